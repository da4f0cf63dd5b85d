export interface FaultSpec {
  /** Prefix of the request pathname, or a regular expression source when it starts with '^'. */
  path: string;
  /** HTTP method to match (case-insensitive); any method when omitted. */
  method?: string;
  /** How many matching requests the fault applies to. Default 1. */
  count?: number;
  /**
   * Reply with this status instead of handling the request. Defaults to 200 when a body or
   * `malformed` is given, else 429 when `retryAfter` is given.
   */
  status?: number;
  /** Value of a Retry-After header on the faulted reply. */
  retryAfter?: string | number;
  /** Body of the faulted reply: strings are sent verbatim, anything else as JSON. */
  body?: unknown;
  /** Content-Type of the faulted reply, overriding the default for the body's kind. */
  contentType?: string;
  /** Extra headers on the faulted reply. */
  headers?: Record<string, string>;
  /** Wait this long before handling the request, or before the faulted reply. */
  delayMs?: number;
  /** Reply 200 (or `status`) with a truncated JSON body labelled application/json. */
  malformed?: boolean;
  /** Destroy the socket without any reply. */
  reset?: boolean;
  /**
   * Slow drip: answer 200 (or `status`) at once, then send one byte of body every this many ms
   * and never finish, so a client that only watches for a silent socket waits for ever.
   */
  dripMs?: number;
  /** Endless body: answer 200 (or `status`) and stream bytes as fast as the client reads them. */
  endless?: boolean;
  /**
   * Huge Content-Length: declare this many bytes, send a few, then hold the connection open.
   * A client must refuse it from the header, before reading.
   */
  contentLength?: number;
}

export interface QueuedFault extends FaultSpec {
  id: number;
  /** Requests still to be faulted. */
  remaining: number;
}

/** A fault that only delays lets the real handler answer afterwards. */
export function faultReplies(f: FaultSpec): boolean {
  return (
    f.status !== undefined ||
    f.body !== undefined ||
    f.retryAfter !== undefined ||
    f.malformed === true ||
    f.reset === true ||
    f.dripMs !== undefined ||
    f.endless === true ||
    f.contentLength !== undefined
  );
}

export class FaultQueue {
  private faults: QueuedFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): QueuedFault {
    const fault: QueuedFault = { ...spec, id: this.nextId++, remaining: spec.count ?? 1 };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): QueuedFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Consumes one use of the oldest fault matching the request, so faults fire in FIFO order. */
  take(method: string, pathname: string): QueuedFault | undefined {
    const fault = this.faults.find((f) => matches(f, method, pathname));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }
}

function matches(f: FaultSpec, method: string, pathname: string): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.path.startsWith('^')) return new RegExp(f.path).test(pathname);
  return pathname.startsWith(f.path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a fault arriving over the control API. Returns an error message rather than throwing so
 * that a test author sees exactly which field was wrong.
 */
export function parseFaultSpec(input: unknown): FaultSpec | string {
  if (!isRecord(input)) return 'body must be a JSON object';
  const { path, method, count, status, retryAfter, contentType, headers, delayMs } = input;
  if (typeof path !== 'string' || path.length === 0) return 'path must be a non-empty string';
  if (path.startsWith('^')) {
    try {
      new RegExp(path);
    } catch {
      return 'path is not a valid regular expression';
    }
  }
  if (method !== undefined && typeof method !== 'string') return 'method must be a string';
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 1)) {
    return 'count must be a positive integer';
  }
  if (
    status !== undefined &&
    !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
  ) {
    return 'status must be an integer 100-599';
  }
  if (
    retryAfter !== undefined &&
    typeof retryAfter !== 'string' &&
    typeof retryAfter !== 'number'
  ) {
    return 'retryAfter must be a string or number';
  }
  if (contentType !== undefined && typeof contentType !== 'string') {
    return 'contentType must be a string';
  }
  if (
    headers !== undefined &&
    !(isRecord(headers) && Object.values(headers).every((v) => typeof v === 'string'))
  ) {
    return 'headers must be an object of strings';
  }
  if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs >= 0)) {
    return 'delayMs must be a non-negative number';
  }
  if (input.dripMs !== undefined && !(typeof input.dripMs === 'number' && input.dripMs >= 10)) {
    return 'dripMs must be a number of at least 10';
  }
  if (
    input.contentLength !== undefined &&
    !(Number.isSafeInteger(input.contentLength) && (input.contentLength as number) > 0)
  ) {
    return 'contentLength must be a positive integer';
  }
  for (const flag of ['malformed', 'reset', 'endless'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') {
      return `${flag} must be a boolean`;
    }
  }
  return {
    path,
    method: method as string | undefined,
    count: count as number | undefined,
    status: status as number | undefined,
    retryAfter: retryAfter as string | number | undefined,
    body: input.body,
    contentType: contentType as string | undefined,
    headers: headers as Record<string, string> | undefined,
    delayMs: delayMs as number | undefined,
    malformed: input.malformed as boolean | undefined,
    reset: input.reset as boolean | undefined,
    dripMs: input.dripMs as number | undefined,
    endless: input.endless as boolean | undefined,
    contentLength: input.contentLength as number | undefined,
  };
}
