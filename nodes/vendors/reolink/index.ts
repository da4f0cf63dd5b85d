import { generateSecret } from '../../core/secret';
import type { VendorModule } from '../../core/provider';
import { secondsSetting } from '../../core/settings';
import { ReolinkProvider } from './provider';

export const reolink: VendorModule = {
  id: 'reolink',
  label: 'Reolink',
  configType: 'camhub-reolink',
  // ROP is hosted by each partner; 61009 is the core server's client API port.
  defaultBaseUrl: 'http://127.0.0.1:61009',
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
    authcode: { type: 'password' },
  },
  webhook: true,
  webhookSecret: 'authcode',
  createProvider(config, credentials, ctx) {
    let authcode = credentials.authcode;
    if (!authcode) {
      // A random code nobody knows: the webhook is closed until the user sets one.
      authcode = generateSecret();
      ctx.log.warn(
        'No authcode is set, so the alarm webhook refuses every call. Open the account node to generate one and deploy.',
      );
    }
    return new ReolinkProvider({
      baseUrl: config.baseUrl,
      username: credentials.username || undefined,
      password: credentials.password || undefined,
      authcode,
      timeoutMs: secondsSetting(config.timeout),
      log: ctx.log,
      store: ctx.store,
      gate: ctx.gate,
    });
  },
};
