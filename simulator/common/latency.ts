/**
 * Network distance between a client and a simulated cloud. The simulators answer on 127.0.0.1
 * in well under a millisecond, which no real cloud does: a client that makes one call too many,
 * or waits where it could overlap, looks as fast as a careful one. With a round-trip time set,
 * every extra round trip costs what it costs against a real cloud (tens to hundreds of ms).
 *
 * Set by `CAMHUB_SIM_RTT_MS` and `CAMHUB_SIM_RTT_JITTER_MS` (both default 0), by a simulator's
 * options, or at run time with `PUT /_sim/latency {rttMs, jitterMs}`.
 */
export interface LatencySpec {
  /** Mean round-trip time in ms. */
  rttMs: number;
  /** Each round trip is rttMs +- up to this many ms, uniformly spread. */
  jitterMs: number;
}

export const NO_LATENCY: LatencySpec = { rttMs: 0, jitterMs: 0 };

function envNumber(value: string | undefined, name: string): number {
  if (value === undefined || value.trim() === '') return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds, not "${value}"`);
  }
  return n;
}

/** The latency the environment asks for; 0 ms when nothing is set. */
export function latencyFromEnv(env: NodeJS.ProcessEnv = process.env): LatencySpec {
  return {
    rttMs: envNumber(env.CAMHUB_SIM_RTT_MS, 'CAMHUB_SIM_RTT_MS'),
    jitterMs: envNumber(env.CAMHUB_SIM_RTT_JITTER_MS, 'CAMHUB_SIM_RTT_JITTER_MS'),
  };
}

/** Checks a latency arriving over the control API; returns an error message, or the spec. */
export function parseLatencySpec(input: unknown): LatencySpec | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'body must be a JSON object {rttMs, jitterMs}';
  }
  const { rttMs, jitterMs } = input as Record<string, unknown>;
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 60_000;
  if (!ok(rttMs)) return 'rttMs must be a number of milliseconds, 0 to 60000';
  if (jitterMs !== undefined && !ok(jitterMs)) {
    return 'jitterMs must be a number of milliseconds, 0 to 60000';
  }
  return { rttMs: rttMs as number, jitterMs: (jitterMs as number | undefined) ?? 0 };
}

/**
 * One simulated network path. A simulator with several hosts (Arlo's API, auth host and MQTT
 * broker) shares one, so a single control call moves them all.
 */
export class Latency {
  private spec: LatencySpec;
  private random: () => number;

  constructor(
    private readonly initial: LatencySpec = latencyFromEnv(),
    random: () => number = Math.random,
  ) {
    this.spec = { ...initial };
    this.random = random;
  }

  /**
   * Draws the jitter from a fixed sequence from now on. A benchmark reseeds before each of two
   * clients' calls so both meet the same network, and their times differ only by what each
   * client does (the same draws go to the same requests when both make them in the same order).
   */
  reseed(seed: number): void {
    this.random = mulberry32(seed);
  }

  get current(): LatencySpec {
    return { ...this.spec };
  }

  set(spec: LatencySpec): void {
    this.spec = { rttMs: Math.max(0, spec.rttMs), jitterMs: Math.max(0, spec.jitterMs) };
  }

  /** Back to the value at start (environment or options). */
  reset(): void {
    this.spec = { ...this.initial };
  }

  /** One round trip, jittered; never below 0 and never below rttMs - jitterMs. */
  roundTrip(): number {
    const { rttMs, jitterMs } = this.spec;
    if (rttMs === 0 && jitterMs === 0) return 0;
    return Math.max(0, rttMs + (this.random() * 2 - 1) * jitterMs);
  }

  /** Half a round trip: a packet the cloud pushes (webhook, MQTT, SSE) travels one way. */
  oneWay(): number {
    return this.roundTrip() / 2;
  }
}

/** A small seeded PRNG (mulberry32): reproducible jitter, not cryptography. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pushes on one connection (MQTT, SSE) arrive in the order they were sent, whatever the jitter:
 * TCP does not reorder. Each packet leaves at max(previous packet's time, now + one way).
 */
export class DelayLine {
  private readonly queue: { at: number; fn: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly latency: Latency) {}

  send(fn: () => void): void {
    const delay = this.latency.oneWay();
    if (delay === 0 && this.queue.length === 0) {
      fn();
      return;
    }
    const last = this.queue.length ? this.queue[this.queue.length - 1].at : 0;
    this.queue.push({ at: Math.max(last, Date.now() + delay), fn });
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while (this.queue.length && this.queue[0].at <= now) this.queue.shift()?.fn();
        this.arm();
      },
      Math.max(0, head.at - Date.now()),
    );
  }

  /** Drops what is still on the way, as closing the connection would. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}
