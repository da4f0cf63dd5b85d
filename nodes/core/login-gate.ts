import { CamhubError, errors } from './errors';
import { type Logger, silentLogger } from './log';
import type { SecretStore } from './provider';

export interface LoginGateOptions {
  /** Display name for messages, e.g. "Blink". */
  vendor: string;
  /** Where the back-off is kept across restarts (encrypted, like the tokens). */
  store?: SecretStore;
  /**
   * A hash of the credentials and server the back-off was earned with: a back-off stored for
   * other credentials is ignored, so deploying a corrected password logs in at once.
   */
  fingerprint?: string;
  /** First hold after a refused login; doubles with every further refusal. */
  baseMs?: number;
  maxMs?: number;
  log?: Logger;
}

interface GateRecord {
  fingerprint: string;
  failures: number;
  until: number;
  code: 'AUTH_FAILED' | 'RATE_LIMITED';
  message: string;
}

const BASE_MS = 30_000;
/** Refusals the gate itself gave: passing one on is not a new refusal by the cloud. */
const own = new WeakSet<CamhubError>();

export function isGateRefusal(err: unknown): boolean {
  return err instanceof CamhubError && own.has(err);
}

const MAX_MS = 30 * 60_000;

/**
 * One per account: after a refused login (bad credentials, a login storm's 429, a token refused
 * right after its login) no further login is tried before an exponential back-off has passed,
 * whatever asks for it (msgs, the editor, pollers). Clouds lock accounts that log in again and
 * again, and a read-only editor user must not be able to cause that. The back-off is stored,
 * so a restart does not start a new storm.
 */
export class LoginGate {
  private readonly opts: LoginGateOptions;
  private record: GateRecord | undefined;
  private loading: Promise<void> | undefined;

  constructor(opts: LoginGateOptions) {
    this.opts = opts;
  }

  /**
   * Resolves when no back-off holds; otherwise throws the refusal with when the next try is.
   * `request`: a call with the current credentials (no login), held only after a refusal of
   * the credentials themselves, not after a 429 of the login.
   */
  async check(kind: 'login' | 'request' = 'login'): Promise<void> {
    await this.load();
    const r = this.record;
    if (!r || Date.now() >= r.until) return;
    if (kind === 'request' && r.code !== 'AUTH_FAILED') return;
    throw this.blocked(r);
  }

  /** When the next login may be tried, or undefined when it may be now. */
  get retryAt(): number | undefined {
    const r = this.record;
    return r && Date.now() < r.until ? r.until : undefined;
  }

  /** A login (or the first use of its token) was refused: hold off, longer each time. */
  async failed(err: CamhubError): Promise<void> {
    if (err.code !== 'AUTH_FAILED' && err.code !== 'RATE_LIMITED') return;
    if (own.has(err)) return;
    await this.load();
    const failures = (this.record?.failures ?? 0) + 1;
    const base = this.opts.baseMs ?? BASE_MS;
    const max = this.opts.maxMs ?? MAX_MS;
    const hold = Math.max(Math.min(max, base * 2 ** (failures - 1)), err.retryAfterMs ?? 0);
    this.record = {
      fingerprint: this.opts.fingerprint ?? '',
      failures,
      until: Date.now() + hold,
      code: err.code,
      message: stripRetryNote(err.message),
    };
    (this.opts.log ?? silentLogger).warn(
      `${this.opts.vendor}: the login was refused (${err.code}); no new login before ` +
        `${new Date(this.record.until).toISOString()} (refusal ${failures}).`,
    );
    await this.persist();
  }

  /** The credentials work again (a request with them succeeded, or the user logged in). */
  async succeeded(): Promise<void> {
    await this.load();
    if (!this.record) return;
    this.record = undefined;
    await this.persist();
  }

  private blocked(r: GateRecord): CamhubError {
    const e = this.blockedError(r);
    own.add(e);
    return e;
  }

  private blockedError(r: GateRecord): CamhubError {
    const wait = r.until - Date.now();
    const at = new Date(r.until).toTimeString().slice(0, 8);
    if (r.code === 'RATE_LIMITED') {
      const e = errors.rateLimited(this.opts.vendor, wait);
      return new CamhubError(
        'RATE_LIMITED',
        `${e.message} camhub tries the next ${this.opts.vendor} login at ${at}.`,
        { retryAfterMs: wait },
      );
    }
    return new CamhubError(
      'AUTH_FAILED',
      `${r.message} camhub tries the next ${this.opts.vendor} login at ${at}, not before, so the ` +
        'account is not locked; deploy corrected credentials to try at once.',
      { retryAfterMs: wait },
    );
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const stored = (await this.opts.store?.load()) as Partial<GateRecord> | undefined;
        if (
          stored &&
          stored.fingerprint === (this.opts.fingerprint ?? '') &&
          typeof stored.until === 'number' &&
          typeof stored.failures === 'number' &&
          (stored.code === 'AUTH_FAILED' || stored.code === 'RATE_LIMITED') &&
          typeof stored.message === 'string'
        ) {
          this.record = stored as GateRecord;
        }
      } catch {
        // An unreadable store holds no back-off.
      }
    })();
    return this.loading;
  }

  private async persist(): Promise<void> {
    const store = this.opts.store;
    if (!store) return;
    try {
      if (this.record) await store.save({ ...this.record });
      else await store.clear();
    } catch (err) {
      (this.opts.log ?? silentLogger).warn(
        `${this.opts.vendor}: could not store the login back-off: ${String(err)}`,
      );
    }
  }
}

/** A refusal shown again later must not repeat an earlier "next login at" note. */
function stripRetryNote(message: string): string {
  const cut = message.indexOf(' camhub tries the next ');
  return cut >= 0 ? message.slice(0, cut) : message;
}
