import { startArloSim } from './arlo';
import { startBlinkSim } from './blink';
import { startNetatmoSim } from './netatmo';
import { startReolinkSim } from './reolink';

export interface RunningSim {
  name: string;
  url: string;
  /** Settings an account node needs besides baseUrl (e.g. a second host), for the demo. */
  accountConfig?: Record<string, unknown>;
  close(): Promise<void>;
}

export interface VendorSimEntry {
  name: string;
  /** The vendor listens on CAMHUB_SIM_PORT + portOffset, so every vendor has a stable port. */
  portOffset: number;
  /** Further listeners, as offsets above the vendor's own port (Arlo's auth host and broker). */
  extraOffsets?: readonly number[];
  start(port: number, env: NodeJS.ProcessEnv): Promise<RunningSim>;
}

// One entry per vendor.
export const VENDOR_SIMS: readonly VendorSimEntry[] = [
  {
    name: 'arlo',
    portOffset: 2,
    extraOffsets: [10, 20],
    // Three listeners: API host on the base port, auth host +10 and MQTT broker +20 above it.
    async start(port, env) {
      const sim = await startArloSim({
        port,
        authPort: port === 0 ? 0 : port + 10,
        mqttPort: port === 0 ? 0 : port + 20,
        mfa: env.CAMHUB_SIM_ARLO_MFA === '1',
        transport: env.CAMHUB_SIM_ARLO_TRANSPORT === 'sse' ? 'sse' : 'mqtt',
        multiLocation: env.CAMHUB_SIM_ARLO_V3 === '1',
      });
      return {
        name: 'arlo',
        url: sim.url,
        accountConfig: { authUrl: sim.authUrl },
        close: () => sim.close(),
      };
    },
  },
  {
    name: 'blink',
    portOffset: 1,
    async start(port, env) {
      const sim = await startBlinkSim({
        port,
        email: env.CAMHUB_SIM_BLINK_EMAIL || undefined,
        password: env.CAMHUB_SIM_BLINK_PASSWORD || undefined,
        twoFactor: env.CAMHUB_SIM_BLINK_2FA === '1',
      });
      return { name: 'blink', url: sim.url, close: () => sim.close() };
    },
  },
  {
    name: 'netatmo',
    portOffset: 3,
    async start(port, env) {
      const ttl = Number(env.CAMHUB_SIM_NETATMO_TOKEN_TTL || 0);
      const sim = await startNetatmoSim({
        port,
        clientId: env.CAMHUB_SIM_NETATMO_CLIENT_ID || undefined,
        clientSecret: env.CAMHUB_SIM_NETATMO_CLIENT_SECRET || undefined,
        accessTokenTtlSec: ttl > 0 ? ttl : undefined,
      });
      return { name: 'netatmo', url: sim.url, close: () => sim.close() };
    },
  },
  {
    name: 'reolink',
    portOffset: 4,
    async start(port, env) {
      const username = env.CAMHUB_SIM_REOLINK_USER;
      const password = env.CAMHUB_SIM_REOLINK_PASSWORD;
      const sim = await startReolinkSim({
        port,
        auth: username && password !== undefined ? { username, password } : undefined,
        callbackUrl: env.CAMHUB_SIM_REOLINK_CALLBACK || undefined,
      });
      return { name: 'reolink', url: sim.url, close: () => sim.close() };
    },
  },
];

export const DEFAULT_BASE_PORT = 8700;

export interface StartAllOptions {
  /** Defaults to CAMHUB_SIM_PORT, else 8700. 0 gives every vendor an ephemeral port. */
  basePort?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives one line per started simulator; silent when omitted. */
  log?: (line: string) => void;
}

export interface AllSims {
  sims: RunningSim[];
  /** URL of each simulator by vendor name. */
  urls: Record<string, string>;
  /** Extra account settings by vendor name (see RunningSim.accountConfig). */
  accountConfigs: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export function basePortFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.CAMHUB_SIM_PORT;
  if (raw === undefined || raw === '') return DEFAULT_BASE_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535 - 30) {
    throw new RangeError(`CAMHUB_SIM_PORT must be a port number, got ${raw}`);
  }
  return port;
}

/** Every port startAll binds for a base port, so a caller can check them before starting. */
export function simPorts(base: number): number[] {
  if (base === 0) return [];
  return VENDOR_SIMS.flatMap((v) => [
    base + v.portOffset,
    ...(v.extraOffsets ?? []).map((o) => base + v.portOffset + o),
  ]);
}

export async function startAll(options: StartAllOptions = {}): Promise<AllSims> {
  const env = options.env ?? process.env;
  const base = options.basePort ?? basePortFrom(env);
  const sims: RunningSim[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(sims.map((s) => s.close()));
  };
  try {
    for (const vendor of VENDOR_SIMS) {
      const sim = await vendor.start(base === 0 ? 0 : base + vendor.portOffset, env);
      sims.push(sim);
      options.log?.(`${vendor.name} simulator listening on ${sim.url}`);
    }
  } catch (err) {
    // A half-started set would leave ports bound with nobody to close them.
    await closeAll();
    throw err;
  }
  return {
    sims,
    urls: Object.fromEntries(sims.map((s) => [s.name, s.url])),
    accountConfigs: Object.fromEntries(sims.map((s) => [s.name, s.accountConfig ?? {}])),
    close: closeAll,
  };
}

async function main(): Promise<void> {
  const all = await startAll({ log: (line) => console.log(line) });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received, closing simulators`);
    all.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
