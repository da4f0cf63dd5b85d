import { CamhubError } from '../../core/errors';
import { secondsSetting as seconds } from '../../core/settings';
import type { VendorModule } from '../../core/provider';
import { ArloProvider } from './provider';

export const arlo: VendorModule = {
  id: 'arlo',
  label: 'Arlo',
  configType: 'camhub-arlo',
  defaultBaseUrl: 'https://myapi.arlo.com',
  credentials: { email: { type: 'text' }, password: { type: 'password' } },
  webhook: false,
  createProvider(config, credentials, ctx) {
    if (!credentials.email || !credentials.password) {
      throw new CamhubError(
        'NOT_CONFIGURED',
        'The Arlo account has no email or password. Enter them in the account node and deploy.',
      );
    }
    const authUrl =
      typeof config.authUrl === 'string' && config.authUrl.trim()
        ? config.authUrl.trim()
        : DEFAULT_AUTH_URL;
    return new ArloProvider({
      baseUrl: config.baseUrl,
      authUrl,
      email: credentials.email ?? '',
      password: credentials.password ?? '',
      timeoutMs: seconds(config.timeout),
      commandTimeoutMs: seconds(config.commandTimeout),
      heartbeatMs: seconds(config.heartbeat),
      libraryDelayMs: seconds(config.libraryDelay),
      store: ctx.store,
      log: ctx.log,
      gate: ctx.gate,
    });
  },
};

export const DEFAULT_AUTH_URL = 'https://ocapi-app.arlo.com';
