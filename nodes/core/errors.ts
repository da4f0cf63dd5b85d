/**
 * One error type for every cloud. The code is stable API: flows switch on `msg.error.code`
 * in Catch nodes, so codes are never renamed. The message always says what to do next.
 */
export type ErrorCode =
  | 'AUTH_FAILED'
  | 'UNKNOWN_CAMERA'
  | 'NOT_SUPPORTED'
  | 'INVALID_INPUT'
  | 'RATE_LIMITED'
  | 'CLOUD_ERROR'
  | 'OFFLINE'
  | 'TIMEOUT'
  | 'NOT_CONFIGURED'
  /** The account has its settings but waits for a sign-in (a 2FA code, "Connect"). */
  | 'AUTH_REQUIRED';

export const ERROR_CODES: readonly ErrorCode[] = [
  'AUTH_FAILED',
  'UNKNOWN_CAMERA',
  'NOT_SUPPORTED',
  'INVALID_INPUT',
  'RATE_LIMITED',
  'CLOUD_ERROR',
  'OFFLINE',
  'TIMEOUT',
  'NOT_CONFIGURED',
  'AUTH_REQUIRED',
];

export interface CamhubErrorOptions {
  /** HTTP status of the cloud reply, when there was one. */
  status?: number;
  /** The vendor's own error symbol or code, for users who want to look it up. */
  vendorCode?: string;
  /** For RATE_LIMITED: how long the cloud asked us to wait. */
  retryAfterMs?: number;
  /** True when the cloud certainly did not execute the request (safe to resend). */
  notExecuted?: boolean;
}

export class CamhubError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;
  readonly vendorCode?: string;
  readonly retryAfterMs?: number;
  readonly notExecuted: boolean;

  constructor(code: ErrorCode, message: string, options: CamhubErrorOptions = {}) {
    super(message);
    // Node-RED's Catch node shows `${name}: ${message}`, so the name is the code.
    this.name = code;
    this.code = code;
    this.status = options.status;
    this.vendorCode = options.vendorCode;
    this.retryAfterMs = options.retryAfterMs;
    this.notExecuted = options.notExecuted ?? false;
    // No `cause` on purpose: Node-RED copies it onto msg.error, and a transport error's cause
    // carries the request headers with the credentials.
  }

  /** A plain object safe to put on a msg: no stack, no cause, no request. */
  toJSON(): { code: ErrorCode; message: string; status?: number; vendorCode?: string } {
    const out: { code: ErrorCode; message: string; status?: number; vendorCode?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.status !== undefined) out.status = this.status;
    if (this.vendorCode !== undefined) out.vendorCode = this.vendorCode;
    return out;
  }
}

export function isCamhubError(err: unknown): err is CamhubError {
  return err instanceof CamhubError;
}

/** Anything thrown below the nodes becomes a CamhubError, so nodes handle exactly one type. */
export function toCamhubError(err: unknown): CamhubError {
  if (err instanceof CamhubError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new CamhubError(
    'CLOUD_ERROR',
    `Unexpected error: ${text}. Try again; if it persists, report it with the debug log.`,
  );
}

export const errors = {
  invalidInput: (what: string) =>
    new CamhubError('INVALID_INPUT', `${what} See the node's help for the msg format.`),
  unknownCamera: (id: string, vendor: string, known: string[]) =>
    new CamhubError(
      'UNKNOWN_CAMERA',
      `Camera "${id}" is not in this ${vendor} account. ` +
        (known.length
          ? `Pick one of: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}.`
          : 'The account lists no cameras; check the account in the config node.'),
    ),
  notSupported: (what: string, capable: string[]) =>
    new CamhubError(
      'NOT_SUPPORTED',
      `${what} ` +
        (capable.length
          ? `Cameras in this account that can: ${capable.join(', ')}.`
          : 'No camera in this account can.'),
    ),
  offline: (name: string) =>
    new CamhubError(
      'OFFLINE',
      `Camera "${name}" is offline. Check its power and network; the next request retries.`,
    ),
  authFailed: (vendor: string, detail?: string, options: CamhubErrorOptions = {}) =>
    new CamhubError(
      'AUTH_FAILED',
      `The ${vendor} cloud rejected the credentials${detail ? ` (${detail})` : ''}. ` +
        'Check the username and password in the config node and deploy again.',
      options,
    ),
  timeout: (what: string) =>
    new CamhubError(
      'TIMEOUT',
      `${what} did not answer in time. Check that the cloud is reachable; the next msg retries.`,
    ),
  rateLimited: (vendor: string, retryAfterMs?: number) =>
    new CamhubError(
      'RATE_LIMITED',
      `The ${vendor} cloud is rate limiting this account` +
        (retryAfterMs !== undefined
          ? ` for another ${Math.ceil(retryAfterMs / 1000)} s. Send fewer requests and try after that.`
          : '. Send fewer requests and try again in a minute.'),
      { retryAfterMs, notExecuted: true },
    ),
};
