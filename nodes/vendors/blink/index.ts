import { CamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { VendorModule } from '../../core/provider';
import { secondsSetting } from '../../core/settings';
import { DEFAULT_BLINK_URL } from './client';
import { BlinkProvider, type BlinkTiming } from './provider';

/**
 * Defaults and floors of the account's intervals. The floors follow blinkpy (vendor-facts
 * 1.4, 1.8): a 30 s refresh, command status once a second, 5 s between commands. The env var
 * CAMHUB_BLINK_MIN_INTERVAL_MS lowers every floor, for tests and the simulator only.
 */
export const BLINK_TIMING = {
  pollInterval: { defaultMs: 30_000, floorMs: 30_000 },
  commandPoll: { defaultMs: 1_000, floorMs: 1_000 },
  commandSpacing: { defaultMs: 5_000, floorMs: 5_000 },
  commandTimeout: { defaultMs: 60_000, floorMs: 10_000 },
} as const;

function seconds(
  value: unknown,
  key: keyof typeof BLINK_TIMING,
  floorOverride: number | undefined,
  log: Logger,
): number {
  const spec = BLINK_TIMING[key];
  const floor = floorOverride ?? spec.floorMs;
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n < 0) {
    return spec.defaultMs;
  }
  const ms = n * 1000;
  if (ms < floor) {
    log.warn(`${key} ${n} s is below what Blink tolerates; using ${floor / 1000} s.`);
    return floor;
  }
  return ms;
}

export function blinkTiming(config: Record<string, unknown>, log: Logger): BlinkTiming {
  const raw = process.env.CAMHUB_BLINK_MIN_INTERVAL_MS;
  const env = Number(raw);
  const floor =
    raw !== undefined && raw !== '' && Number.isFinite(env) && env >= 0 ? env : undefined;
  return {
    pollIntervalMs: seconds(config.pollInterval, 'pollInterval', floor, log),
    commandPollMs: seconds(config.commandPoll, 'commandPoll', floor, log),
    commandSpacingMs: seconds(config.commandSpacing, 'commandSpacing', floor, log),
    commandTimeoutMs: seconds(config.commandTimeout, 'commandTimeout', floor, log),
  };
}

export const blink: VendorModule = {
  id: 'blink',
  label: 'Blink',
  configType: 'camhub-blink',
  defaultBaseUrl: DEFAULT_BLINK_URL,
  credentials: {
    email: { type: 'text' },
    password: { type: 'password' },
  },
  webhook: false,
  createProvider(config, credentials, ctx) {
    const email = (credentials.email ?? '').trim();
    const password = credentials.password ?? '';
    if (!email || !password) {
      throw new CamhubError(
        'NOT_CONFIGURED',
        'The Blink account has no email or password. Enter the ones of the Blink app in the account node and deploy.',
      );
    }
    return new BlinkProvider({
      baseUrl: config.baseUrl,
      email,
      password,
      store: ctx.store,
      log: ctx.log,
      gate: ctx.gate,
      timeoutMs: secondsSetting(config.timeout),
      ...blinkTiming(config, ctx.log),
    });
  },
};
