import { createHash, randomBytes } from 'node:crypto';
import { errors, toCamhubError } from '../../core/errors';
import type { AdminRoute } from '../../core/provider';
import { redact } from '../../core/redact';

/** The path of the redirect URI to enter in the Netatmo app's settings, under the admin root. */
export const CALLBACK_PATH = '/camhub/netatmo/oauth/callback';
/** Long enough to log in at Netatmo, short enough that a leaked link soon dies. */
const STATE_TTL_MS = 10 * 60_000;

export interface Authorizable {
  authorizeUrl(state: string, redirectUri: string): string;
  completeAuthorization(code: string, redirectUri: string): Promise<void>;
  secrets(): string[];
}

interface Pending {
  owner: Authorizable;
  redirectUri: string;
  expiresAt: number;
}

/** Issued states, by their hash, so the map itself holds nothing a browser could replay. */
const pending = new Map<string, Pending>();

const digest = (state: string): string => createHash('sha256').update(state).digest('hex');

/** The redirect URI must come back to this callback, or the code would go elsewhere. */
export function checkRedirectUri(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value ?? ''));
  } catch {
    throw errors.invalidInput('redirectUri must be the full URL of the Node-RED editor callback.');
  }
  if (!/^https?:$/.test(url.protocol) || !url.pathname.endsWith(CALLBACK_PATH) || url.search) {
    throw errors.invalidInput(`redirectUri must be an http(s) URL ending in ${CALLBACK_PATH}.`);
  }
  return url.toString();
}

/**
 * Starts a login: a random single-use state, bound to the account that asked and to its
 * redirect URI, so a callback can only finish a login this editor started (CSRF).
 */
export function beginAuthorization(owner: Authorizable, redirectUri: string): string {
  const now = Date.now();
  for (const [k, p] of pending) if (p.expiresAt < now) pending.delete(k);
  const state = randomBytes(32).toString('base64url');
  pending.set(digest(state), { owner, redirectUri, expiresAt: now + STATE_TTL_MS });
  return owner.authorizeUrl(state, redirectUri);
}

export function forgetAuthorizations(owner: Authorizable): void {
  for (const [k, p] of pending) if (p.owner === owner) pending.delete(k);
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(title: string, text: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>camhub: ${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>${escapeHtml(title)}</h1><p id="result">${escapeHtml(text)}</p>
</body></html>
`;
}

/** Where Netatmo sends the browser back; the state is the proof, not an editor session. */
export const callbackRoute: AdminRoute = {
  method: 'get',
  path: '/oauth/callback',
  permission: 'none',
  async handler({ query }) {
    const key = query.state ? digest(query.state) : '';
    const entry = pending.get(key);
    pending.delete(key);
    if (!entry || entry.expiresAt < Date.now()) {
      return {
        status: 400,
        html: page(
          'Login not recognised',
          'This login was not started from this Node-RED, or it is older than 10 minutes. ' +
            'Open the Netatmo account node and press "Connect to Netatmo" again.',
        ),
      };
    }
    if (query.error || !query.code) {
      const refused = query.error === 'access_denied';
      return {
        status: 400,
        html: page(
          refused ? 'Access refused' : 'Login failed',
          refused
            ? 'You refused access on the Netatmo page, so camhub cannot see the cameras. Press "Connect to Netatmo" to try again.'
            : 'Netatmo sent no authorization code. Press "Connect to Netatmo" again.',
        ),
      };
    }
    try {
      await entry.owner.completeAuthorization(query.code, entry.redirectUri);
    } catch (err) {
      const e = toCamhubError(err);
      return {
        status: 502,
        html: page('Login failed', redact(e.message, [...entry.owner.secrets(), query.code])),
      };
    }
    return {
      status: 200,
      html: page(
        'Connected to Netatmo',
        'camhub can now reach your cameras. You can close this window; the account node shows the connection.',
      ),
    };
  },
};
