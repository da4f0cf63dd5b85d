import { randomBytes } from 'node:crypto';
import type { NodeAPI } from 'node-red';
import { CamhubError, toCamhubError } from '../core/errors';
import { silentLogger } from '../core/log';
import { redact } from '../core/redact';
import { serverUrlProblem } from '../core/settings';
import type { AuthStep, CameraInfo, CameraProvider, SecretStore } from '../core/provider';
import { findVendor, VENDORS } from '../vendors';
import { accounts } from './account';
import { localized, requestLanguage } from './red';

/**
 * Admin endpoints behind the editor's pickers. Replies carry camera facts only: never a
 * token, password or secret, and typed-in credentials are used once and dropped.
 */
const mounted = new WeakSet<object>();

/**
 * The editor's "refresh" reaches the cloud at most this often per account: the route needs only
 * read permission, and every call of a reader pressing refresh would otherwise use up the
 * account's quota (Netatmo's) that polling, arm and snapshots need.
 */
const EDITOR_REFRESH_MS = 15_000;
const lastEditorRefresh = new WeakMap<CameraProvider, number>();

function editorRefresh(provider: CameraProvider, asked: boolean): boolean {
  if (!asked) return false;
  const now = Date.now();
  if (now - (lastEditorRefresh.get(provider) ?? 0) < EDITOR_REFRESH_MS) return false;
  lastEditorRefresh.set(provider, now);
  return true;
}

interface Req {
  params: Record<string, string>;
  headers?: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}
interface Res {
  json(body: unknown): void;
  status(code: number): Res;
  redirect(url: string): void;
  type(t: string): Res;
  send(body: string): void;
}
type Handler = (req: Req, res: Res) => void;
type Middleware = (req: unknown, res: unknown, next: () => void) => void;
interface App {
  get(path: string, mw: Middleware, h: Handler): void;
  post(path: string, mw: Middleware, h: Handler): void;
}

/** Discovery logs in afresh and keeps nothing. */
function memoryStore(): SecretStore {
  let value: Record<string, unknown> | undefined;
  return {
    load: async () => value,
    save: async (v) => void (value = v),
    clear: async () => void (value = undefined),
  };
}

const lang = (req: Req): string => requestLanguage(req.headers?.['accept-language']);

function camerasReply(cams: CameraInfo[]) {
  return cams.map((c) => ({
    id: c.id,
    name: c.name,
    model: c.model,
    online: c.online,
    capabilities: c.capabilities,
  }));
}

/** An error the admin routes raise themselves, with its catalog key for other languages. */
function adminError(key: string, message: string): CamhubError {
  return Object.assign(new CamhubError('NOT_CONFIGURED', message), { adminKey: key });
}

/**
 * The error reply. In another language than English the message comes from the catalog: the
 * route's own sentence, or what the code means and what to do; the cloud's English words
 * follow in `detail`.
 */
function fail(
  res: Res,
  err: unknown,
  secrets: string[] = [],
  lang = 'en-US',
  auth?: { session: string; step: AuthStep },
): void {
  const e = toCamhubError(err);
  const status = e.code === 'NOT_CONFIGURED' || e.code === 'INVALID_INPUT' ? 400 : 502;
  const english = redact(e.message, secrets);
  const extra = auth ? { auth } : {};
  if (lang === 'en-US') {
    res.status(status).json({ success: false, code: e.code, message: english, ...extra });
    return;
  }
  const key = (err as { adminKey?: unknown }).adminKey;
  const message =
    typeof key === 'string'
      ? localized(lang, key)
      : `${localized(lang, `errors.${e.code}`)}: ${localized(lang, `advice.${e.code}`)}`;
  res.status(status).json({ success: false, code: e.code, message, detail: english, ...extra });
}

/** Discoveries waiting for a 2FA code, by random id; each ends after PENDING_MS. */
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 8;
const discoveries = new Map<string, { provider: CameraProvider; timer: NodeJS.Timeout }>();

function dropPending(id: string): void {
  const pending = discoveries.get(id);
  if (!pending) return;
  discoveries.delete(id);
  clearTimeout(pending.timer);
  void pending.provider.close();
}

function keepPending(provider: CameraProvider): string {
  // The oldest goes first: a few editors at once, never an unbounded pile of logins.
  while (discoveries.size >= MAX_PENDING) dropPending(discoveries.keys().next().value as string);
  const id = randomBytes(18).toString('base64url');
  const timer = setTimeout(() => dropPending(id), PENDING_MS);
  timer.unref();
  discoveries.set(id, { provider, timer });
  return id;
}

/** A login step for the dialog: what to show next, with no secret in its words. */
function stepReply(step: AuthStep, secrets: string[]): AuthStep {
  return { ...step, ...(step.message ? { message: redact(step.message, secrets) } : {}) };
}

export function mountAdminRoutes(RED: NodeAPI): void {
  const app = RED.httpAdmin as unknown as App | undefined;
  if (!app || mounted.has(app)) return;
  mounted.add(app);
  const read = RED.auth.needsPermission('camhub.read') as Middleware;
  const write = RED.auth.needsPermission('camhub.write') as Middleware;

  app.get('/camhub/accounts/:id/cameras', read, (req, res) => {
    const account = accounts.get(req.params.id);
    if (!account?.provider) {
      const english =
        account?.failure?.message ??
        'This account is not deployed yet: press Discover in its dialog, or deploy first.';
      const language = lang(req);
      res.status(404).json({
        success: false,
        code: 'NOT_CONFIGURED',
        message:
          language === 'en-US'
            ? english
            : localized(language, account?.failure ? 'advice.NOT_CONFIGURED' : 'admin.notDeployed'),
        ...(language === 'en-US' ? {} : { detail: english }),
      });
      return;
    }
    account.provider
      .listCameras({ refresh: editorRefresh(account.provider, req.query.refresh === '1') })
      .then((cams) => res.json({ success: true, data: camerasReply(cams) }))
      .catch((err: unknown) => fail(res, err, [], lang(req)));
  });

  app.get('/camhub/accounts/:id/modes', read, (req, res) => {
    const account = accounts.get(req.params.id);
    if (!account?.provider) {
      res.json({ success: true, data: [] });
      return;
    }
    const camera = typeof req.query.camera === 'string' ? req.query.camera : undefined;
    account.provider
      .listModes(camera)
      .then((modes) => res.json({ success: true, data: modes }))
      .catch((err: unknown) => fail(res, err, [], lang(req)));
  });

  app.get('/camhub/accounts/:id/state', read, (req, res) => {
    const account = accounts.get(req.params.id);
    const state = account?.provider?.state ?? { state: 'idle' as const };
    res.json({
      success: true,
      data: {
        ...state,
        message: 'message' in state ? redact(state.message) : undefined,
        delivery: account?.provider?.eventDelivery,
      },
    });
  });

  // The webhook's own secret (Reolink's authcode), for the dialog's "show" and "copy": the user
  // must paste the whole URL into the vendor's console again after a deploy. Only on an explicit
  // POST by an editor with write permission, never cached; stored secrets of the login (passwords,
  // tokens) are never sent.
  app.post('/camhub/accounts/:id/webhook-secret', write, (req, res) => {
    const account = accounts.get(req.params.id);
    const vendor = account ? findVendor(account.vendorId) : undefined;
    const creds = account
      ? (RED.nodes.getCredentials(account.id) as Record<string, string> | undefined)
      : undefined;
    const field = vendor?.webhookSecret;
    const value = field && creds ? creds[field] : undefined;
    if (!field || !value) {
      fail(
        res,
        adminError('admin.noWebhookSecret', 'Deploy the account with an authcode first.'),
        [],
        lang(req),
      );
      return;
    }
    (res as Res & { set?(h: string, v: string): void }).set?.('Cache-Control', 'no-store');
    res.json({ success: true, data: { [field]: value } });
  });

  // One step of an interactive login (2FA code, factor choice) for a deployed account.
  app.post('/camhub/accounts/:id/auth', write, (req, res) => {
    const provider = accounts.get(req.params.id)?.provider;
    if (!provider?.authStep) {
      fail(
        res,
        adminError('admin.deployFirst', 'Deploy the account first, then enter the code.'),
        [],
        lang(req),
      );
      return;
    }
    const input: Record<string, string> = {};
    for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'string' && v.length <= 500) input[k] = v;
    }
    provider
      .authStep(input)
      .then((step) => res.json({ success: true, data: step }))
      .catch((err: unknown) => fail(res, err, Object.values(input), lang(req)));
  });

  for (const vendor of VENDORS) {
    for (const route of vendor.adminRoutes ?? []) {
      const open: Middleware = (_req, _res, next) => next();
      const guard =
        route.permission === 'write' ? write : route.permission === 'none' ? open : read;
      const handler: Handler = (req, res) => {
        const query: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.query ?? {}))
          if (typeof v === 'string') query[k] = v;
        const id = req.params.id;
        route
          .handler({
            params: req.params,
            query,
            body: req.body,
            provider: id ? accounts.get(id)?.provider : undefined,
          })
          .then((out) => {
            if (out.redirect) res.redirect(out.redirect);
            else if (out.html !== undefined)
              res
                .status(out.status ?? 200)
                .type('html')
                .send(out.html);
            else res.status(out.status ?? 200).json(out.json ?? {});
          })
          .catch((err: unknown) => fail(res, err, [], lang(req)));
      };
      app[route.method](`/camhub/${vendor.id}${route.path}`, guard, handler);
    }
  }

  // Discovery for a config node still being edited: the dialog sends what is typed. Blank
  // secret fields mean "as stored", so a deployed node's secrets never travel to the editor.
  app.post('/camhub/discover', write, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const vendor =
      VENDORS.find((v) => v.configType === body.type) ?? findVendor(String(body.vendor ?? ''));
    if (!vendor) {
      fail(
        res,
        adminError('admin.unsupported', 'This account type is not supported yet.'),
        [],
        lang(req),
      );
      return;
    }
    const typed = (body.credentials ?? {}) as Record<string, unknown>;
    const baseUrl =
      typeof body.baseUrl === 'string' && body.baseUrl
        ? body.baseUrl.trim()
        : vendor.defaultBaseUrl;
    // Stored secrets only ever go to the URL they were deployed with: otherwise anyone who can
    // open the editor could have them sent to a server of their choosing.
    // Plain settings typed in the dialog (second hosts, intervals); objects are not accepted.
    const config: Record<string, unknown> = {};
    const typedConfig = (body.config ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(typedConfig)) {
      if (k !== 'baseUrl' && ['string', 'number', 'boolean'].includes(typeof v)) config[k] = v;
    }
    const urlProblem =
      serverUrlProblem(baseUrl, 'server URL') ??
      (typeof config.authUrl === 'string' && config.authUrl
        ? serverUrlProblem(config.authUrl, 'auth server URL')
        : undefined);
    if (urlProblem) {
      fail(res, new CamhubError('NOT_CONFIGURED', urlProblem));
      return;
    }
    const deployed = typeof body.id === 'string' ? accounts.get(body.id) : undefined;
    const sameSettings =
      !!deployed &&
      deployed.type === vendor.configType &&
      deployed.baseUrl === baseUrl &&
      Object.entries(config).every(([k, v]) => String(deployed.settings[k] ?? '') === String(v));
    const stored = sameSettings
      ? (RED.nodes.getCredentials(deployed.id) as Record<string, string> | undefined)
      : undefined;
    const creds: Record<string, string> = {};
    for (const key of Object.keys(vendor.credentials)) {
      const v = typed[key];
      if (typeof v === 'string' && v !== '' && v !== '__PWRD__') creds[key] = v;
      else if (stored && typeof stored[key] === 'string') creds[key] = stored[key];
    }
    const secrets = Object.values(creds);
    // The dialog shows what is deployed: ask the deployed account, with its session (a
    // connected Netatmo, a Blink or Arlo past 2FA), instead of a new login that would need
    // another code.
    const asDeployed =
      sameSettings &&
      !!stored &&
      !!deployed.provider &&
      Object.keys(vendor.credentials).every((k) => (creds[k] ?? '') === (stored[k] ?? ''));
    if (asDeployed && deployed.provider) {
      deployed.provider
        .listCameras({ refresh: editorRefresh(deployed.provider, true) })
        .then((cams) => res.json({ success: true, data: camerasReply(cams) }))
        .catch((err: unknown) => fail(res, err, secrets, lang(req)));
      return;
    }
    let provider: CameraProvider;
    try {
      provider = vendor.createProvider(
        { ...config, baseUrl, timeout: 10 },
        { ...creds, authcode: creds.authcode || 'discover' },
        {
          accountId: 'discover',
          log: silentLogger,
          store: memoryStore(),
        },
      );
    } catch (err) {
      fail(res, err, secrets, lang(req));
      return;
    }
    provider.listCameras({ refresh: true }).then(
      (cams) => {
        res.json({ success: true, data: camerasReply(cams) });
        void provider.close();
      },
      async (err: unknown) => {
        // A fresh login that stops at 2FA goes on in the dialog: the provider waits, under
        // a random id, for the code (or the factor); nothing else can reach it.
        if (provider.state.state === 'waiting2fa' && provider.authStep) {
          try {
            const step = await provider.authStep({});
            const session = keepPending(provider);
            fail(res, err, secrets, lang(req), { session, step: stepReply(step, secrets) });
            return;
          } catch {
            // fall through: report the login's own error
          }
        }
        fail(res, err, secrets, lang(req));
        void provider.close();
      },
    );
  });

  // The next 2FA step of a discovery that had to log in afresh; when signed in, the cameras.
  app.post('/camhub/discover/:session/auth', write, (req, res) => {
    const pending = discoveries.get(req.params.session);
    if (!pending?.provider.authStep) {
      fail(
        res,
        adminError(
          'admin.discoverExpired',
          'This sign-in has ended: press Discover cameras again.',
        ),
        [],
        lang(req),
      );
      return;
    }
    const { provider } = pending;
    const authStep = pending.provider.authStep.bind(provider);
    const input: Record<string, string> = {};
    for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'string' && v.length <= 500) input[k] = v;
    }
    const secrets = Object.values(input);
    authStep(input)
      .then(async (step) => {
        if (step.state !== 'connected') {
          res.json({ success: true, data: { step: stepReply(step, secrets) } });
          return;
        }
        const cams = await provider.listCameras();
        dropPending(req.params.session);
        res.json({
          success: true,
          data: { step: stepReply(step, secrets), cameras: camerasReply(cams) },
        });
      })
      .catch((err: unknown) => fail(res, err, secrets, lang(req)));
  });
}
