import type { FaultSpec, SimReply } from '../common';
import { HTML_CONTENT_TYPE, JSON_CONTENT_TYPE, nginxErrorPage } from '../common';

// Statuses follow the public ROP core server, which differs from the seed's table in places
// (device_offline is 404, not 5xx). auth_failed and frequent_request exist only in the seed and
// are reachable through faults.
export const ROP_ERRORS = {
  invalid_parameter: { status: 400, message: 'The client request with invalid parameter.' },
  auth_failed: { status: 403, message: 'Authentication failed.' },
  frequent_request: { status: 429, message: 'Too many requests.' },
  session_not_found: { status: 404, message: 'Session not found.' },
  session_expired: { status: 400, message: 'Session expired.' },
  duplicate_snap: { status: 400, message: 'Another snapshot of the device is in progress.' },
  snap_error: { status: 400, message: 'Failed to take a snapshot.' },
  invalid_filename: { status: 400, message: 'Invalid file name.' },
  device_offline: { status: 404, message: 'The device is offline.' },
  stream_type_not_support: { status: 400, message: 'The stream type is not supported.' },
  device_channel_not_found: { status: 404, message: 'The device channel is not found.' },
  cmd_timeout: { status: 400, message: 'Command execution timed out.' },
  wake_up_timeout: { status: 400, message: 'Waking up the device timed out.' },
  cmd_not_support: { status: 400, message: 'Command not supported.' },
  cmd_exec_error: { status: 400, message: 'Command execution error.' },
  direction_not_support: { status: 400, message: 'The direction is not supported.' },
  server_internal_error: { status: 500, message: 'Internal server error.' },
} as const;

export type RopSymbol = keyof typeof ROP_ERRORS;

export interface RopErrorBody {
  error: { symbol: RopSymbol; message: string; data?: unknown };
}

export class RopError extends Error {
  readonly status: number;

  constructor(
    readonly symbol: RopSymbol,
    message?: string,
  ) {
    super(message ?? ROP_ERRORS[symbol].message);
    this.name = 'RopError';
    this.status = ROP_ERRORS[symbol].status;
  }
}

export function ropErrorBody(symbol: RopSymbol, data?: unknown): RopErrorBody {
  const body: RopErrorBody = { error: { symbol, message: ROP_ERRORS[symbol].message } };
  if (data !== undefined) body.error.data = data;
  return body;
}

export const ROP_NOT_FOUND_BODY = { message: 'resource not found.' } as const;
export const ROP_AUTH_FAILED_BODY = ropErrorBody('auth_failed');
export const ROP_FREQUENT_REQUEST_BODY = ropErrorBody('frequent_request');

const ROP_API_PREFIX = '/v1.0/';

/** 403 auth_failed as the seed documents it, for the next request under /v1.0/ by default. */
export function authFailedFault(overrides: Partial<FaultSpec> = {}): FaultSpec {
  return { path: ROP_API_PREFIX, status: 403, body: ROP_AUTH_FAILED_BODY, ...overrides };
}

/** 429 frequent_request as the seed documents it; pass `retryAfter` to add the header. */
export function frequentRequestFault(overrides: Partial<FaultSpec> = {}): FaultSpec {
  return { path: ROP_API_PREFIX, status: 429, body: ROP_FREQUENT_REQUEST_BODY, ...overrides };
}

/** An error page from the partner's Nginx gateway (e.g. 429 rate limit, 502 upstream down). */
export function gatewayFault(status: number, overrides: Partial<FaultSpec> = {}): FaultSpec {
  return {
    path: ROP_API_PREFIX,
    status,
    body: nginxErrorPage(status),
    contentType: HTML_CONTENT_TYPE,
    ...overrides,
  };
}

/** What a fault with only a status replies with, so faulted replies look like ROP's own. */
export function ropFaultReply(status: number, realm: string): SimReply | undefined {
  const json = (body: unknown): SimReply => ({
    status,
    body: JSON.stringify(body),
    headers: { 'Content-Type': JSON_CONTENT_TYPE },
  });
  switch (status) {
    case 400:
      return json(ropErrorBody('invalid_parameter'));
    case 401:
      return {
        status,
        body: nginxErrorPage(401),
        headers: {
          'Content-Type': HTML_CONTENT_TYPE,
          'WWW-Authenticate': `Basic realm="${realm}"`,
        },
      };
    case 403:
      return json(ROP_AUTH_FAILED_BODY);
    case 404:
      return json(ropErrorBody('device_offline'));
    case 429:
      return json(ROP_FREQUENT_REQUEST_BODY);
    case 500:
      return json(ropErrorBody('server_internal_error', {}));
    case 502:
    case 503:
    case 504:
      return {
        status,
        body: nginxErrorPage(status),
        headers: { 'Content-Type': HTML_CONTENT_TYPE },
      };
    default:
      return undefined;
  }
}
