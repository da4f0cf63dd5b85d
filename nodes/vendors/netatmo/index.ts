import type { VendorModule } from '../../core/provider';
import { secondsSetting } from '../../core/settings';
import { callbackRoute } from './oauth';
import { NetatmoProvider } from './provider';
import { DEFAULT_POLL_MS, DEFAULT_SAFETY_POLL_MS } from './webhook-registration';

/** Live accounts per Netatmo app, to warn when two would fight over one rotating login. */
const byClient = new Map<string, Set<string>>();

function seconds(value: unknown, fallbackMs: number, minMs: number): number {
  const ms = secondsSetting(value);
  return ms === undefined ? fallbackMs : Math.max(minMs, ms);
}

export const netatmo: VendorModule = {
  id: 'netatmo',
  label: 'Netatmo',
  configType: 'camhub-netatmo',
  defaultBaseUrl: 'https://api.netatmo.com',
  credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' } },
  webhook: true,
  adminRoutes: [callbackRoute],
  createProvider(config, credentials, ctx) {
    const clientId = (credentials.clientId ?? '').trim();
    if (clientId) {
      const peers = byClient.get(clientId) ?? new Set<string>();
      const others = [...peers].filter((id) => id !== ctx.accountId);
      if (others.length > 0 && ctx.accountId !== 'discover') {
        ctx.log.warn(
          `Another Netatmo account node (${others.join(', ')}) uses the same Netatmo app. If both connect ` +
            'to the same Netatmo login they log each other out, because every token refresh cancels the ' +
            'other one: keep one account node per login and point every camhub node at it.',
        );
      }
      if (ctx.accountId !== 'discover') {
        peers.add(ctx.accountId);
        byClient.set(clientId, peers);
      }
    }
    const webhookUrl = typeof config.webhookUrl === 'string' ? config.webhookUrl.trim() : '';
    const provider = new NetatmoProvider({
      baseUrl: config.baseUrl,
      clientId,
      clientSecret: credentials.clientSecret ?? '',
      store: ctx.store,
      log: ctx.log,
      gate: ctx.gate,
      timeoutMs: seconds(config.timeout, 15_000, 1_000),
      // Flow JSON only: how long an event's video is waited for (fractions for tests).
      commandTimeoutMs: seconds(config.commandTimeout, 30_000, 100),
      webhookUrl: /^https?:\/\//i.test(webhookUrl) ? webhookUrl : undefined,
      // Seconds in the editor; fractions are accepted so tests can poll fast.
      pollIntervalMs: seconds(config.pollInterval, DEFAULT_POLL_MS, 50),
      // At least a minute in the editor; never faster than the normal poll (provider).
      safetyPollMs: seconds(config.safetyPoll, DEFAULT_SAFETY_POLL_MS, 50),
      eventsPageSize: Number.isInteger(Number(config.eventsPageSize))
        ? Math.min(300, Math.max(1, Number(config.eventsPageSize)))
        : undefined,
      rateLimitCooldownMs:
        config.rateLimitCooldown !== undefined
          ? seconds(config.rateLimitCooldown, 600_000, 50)
          : undefined,
    });
    if (ctx.accountId !== 'discover') provider.checkConnected();
    const close = provider.close.bind(provider);
    provider.close = async () => {
      byClient.get(clientId)?.delete(ctx.accountId);
      await close();
    };
    return provider;
  },
};
