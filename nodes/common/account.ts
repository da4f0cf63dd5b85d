import { createHash } from 'node:crypto';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { STATE_INTERVAL, stateIntervalMs } from '../core/device';
import { CamhubError, toCamhubError } from '../core/errors';
import { LoginGate } from '../core/login-gate';
import { serverUrlProblem } from '../core/settings';
import type { CameraProvider, VendorConfigField } from '../core/provider';
import { findVendor } from '../vendors';
import { nodeLogger } from './red';
import { credentialBound, fileStore } from './store';
import { mountAdminRoutes } from './admin';
import { mountWebhookRoute, registerWebhook, unregisterWebhook } from './webhook';

export interface AccountNodeDef extends NodeDef {
  baseUrl?: string;
  /** Arlo's second (auth) host. */
  authUrl?: string;
  timeout?: string | number;
  /** Seconds between two state readings for watching status nodes (default 600, least 30). */
  stateInterval?: string | number;
}

/** CAMHUB_MIN_STATE_INTERVAL_MS lowers the 30 s floor; it is meant for tests only. */
function stateFloorMs(): number {
  const raw = Number(process.env.CAMHUB_MIN_STATE_INTERVAL_MS);
  return Number.isFinite(raw) && raw >= 0 ? raw : STATE_INTERVAL.floorMs;
}

export interface AccountNode extends Node<Record<string, string>> {
  vendorId: string;
  vendorLabel: string;
  /** The cloud this account talks to; stored secrets are only ever sent there. */
  baseUrl: string;
  /** The account's settings as deployed (no credentials), for discovery's same-settings check. */
  settings: Record<string, unknown>;
  /** Absent when the account cannot work; then `failure` says why. */
  provider?: CameraProvider;
  failure?: CamhubError;
}

export interface AccountTypeOptions {
  vendorId: string;
  label: string;
  type: string;
  /** Declared even while the vendor module is absent, so saved credentials are not dropped. */
  credentials: Record<string, VendorConfigField>;
}

/**
 * Names the credentials a stored login back-off was earned with, so corrected credentials are
 * tried at once. Kept only in the encrypted store.
 */
function fingerprint(baseUrl: string, authUrl: unknown, creds: Record<string, string>): string {
  const sorted = Object.keys(creds)
    .sort()
    .map((k) => [k, creds[k]]);
  return createHash('sha256')
    .update(JSON.stringify([baseUrl, typeof authUrl === 'string' ? authUrl.trim() : '', sorted]))
    .digest('hex');
}

/** The first server URL of the account that cannot be used, in words. */
function urlProblem(config: AccountNodeDef, baseUrl: string): string | undefined {
  const authUrl = typeof config.authUrl === 'string' ? config.authUrl.trim() : '';
  return (
    (baseUrl ? serverUrlProblem(baseUrl, 'server URL') : undefined) ??
    (authUrl ? serverUrlProblem(authUrl, 'auth server URL') : undefined)
  );
}

/** Live account nodes, for the admin endpoints. */
export const accounts = new Map<string, AccountNode>();

/**
 * One config node type per cloud, all built here: the node owns the account's single provider
 * (one login, one poller or stream), shared by every functional node that names it.
 */
export function registerAccountType(RED: NodeAPI, opts: AccountTypeOptions): void {
  mountWebhookRoute(RED);
  mountAdminRoutes(RED);
  function AccountNodeCtor(this: AccountNode, config: AccountNodeDef) {
    RED.nodes.createNode(this, config);
    let closing = false;
    this.vendorId = opts.vendorId;
    this.vendorLabel = opts.label;
    const vendor = findVendor(opts.vendorId);
    this.baseUrl = (config.baseUrl || vendor?.defaultBaseUrl || '').trim();
    this.settings = { ...config, baseUrl: this.baseUrl };
    if (!vendor) {
      this.failure = new CamhubError(
        'NOT_CONFIGURED',
        `${opts.label} accounts are not supported by this version of camhub yet. Use another account.`,
      );
    } else if (urlProblem(config, this.baseUrl)) {
      this.failure = new CamhubError('NOT_CONFIGURED', urlProblem(config, this.baseUrl)!);
      this.error(this.failure.message);
    } else {
      try {
        const creds: Record<string, string> = {};
        for (const [k, v] of Object.entries(this.credentials ?? {})) {
          if (typeof v === 'string') creds[k] = v;
        }
        const log = nodeLogger(this);
        // A user login (a password) binds the kept session to the credentials it was made with.
        const store =
          'password' in opts.credentials
            ? credentialBound(fileStore(RED, this.id), { ...creds, baseUrl: this.baseUrl })
            : undefined;
        const provider = vendor.createProvider({ ...config, baseUrl: this.baseUrl }, creds, {
          accountId: this.id,
          log,
          store: store ?? fileStore(RED, this.id),
          gate: new LoginGate({
            vendor: opts.label,
            store: fileStore(RED, this.id, 'gate'),
            fingerprint: fingerprint(this.baseUrl, config.authUrl, creds),
            // Tests shorten the first hold; users have no reason to.
            baseMs: Number(process.env.CAMHUB_LOGIN_BACKOFF_MS) || undefined,
            log,
          }),
        });
        this.provider = provider;
        provider.setStateInterval?.(stateIntervalMs(config.stateInterval, stateFloorMs()));
        if (vendor.webhook) registerWebhook(vendor.id, this.id, provider);
        // New credentials for an account that was signed in: sign in now, so a wrong password
        // shows at deploy on every node of the account, not at the next msg.
        void store?.changed().then((changed) => {
          if (changed && !closing) {
            provider.listCameras({ refresh: true }).catch(() => undefined);
          }
        });
      } catch (err) {
        this.failure = toCamhubError(err);
        this.error(this.failure.message);
      }
    }
    accounts.set(this.id, this);
    this.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (accounts.get(this.id) === this) accounts.delete(this.id);
      const provider = this.provider;
      if (!provider) {
        done();
        return;
      }
      unregisterWebhook(opts.vendorId, this.id, provider);
      provider
        .close()
        .catch((err: unknown) => this.warn(`closing failed: ${String(err)}`))
        .finally(() => done());
    });
  }
  RED.nodes.registerType(opts.type, AccountNodeCtor, { credentials: opts.credentials });
}
