import assert from 'node:assert/strict';
import type { SecretStore } from '../../nodes/core/provider';
import { NetatmoClient } from '../../nodes/vendors/netatmo/client';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function memoryStore(
  initial?: Record<string, unknown>,
): SecretStore & { value?: Record<string, unknown> } {
  const store: SecretStore & { value?: Record<string, unknown> } = {
    value: initial,
    load: async () => (store.value ? structuredClone(store.value) : undefined),
    save: async (v) => {
      store.value = structuredClone(v);
    },
    clear: async () => {
      store.value = undefined;
    },
  };
  return store;
}

const session = {
  clientId: 'app',
  accessToken: 'a|1',
  refreshToken: 'r|1',
  expiresAt: Date.now() + 3_600_000,
  scope: ['read_camera'],
};

const client = (store: SecretStore) =>
  new NetatmoClient({
    baseUrl: 'http://127.0.0.1:9',
    clientId: 'app',
    clientSecret: 's',
    store,
    log: quiet,
  });

describe('Netatmo state kept with the saved login', () => {
  it('keeps the newest 200 emitted event ids across a restart', async () => {
    const store = memoryStore({ ...session });
    const first = client(store);
    assert.deepEqual(await first.savedEventIds(), []);
    for (let i = 0; i < 250; i++) first.rememberEventId(`e${i}`);
    await first.close();
    const ids = await client(store).savedEventIds();
    assert.equal(ids.length, 200);
    assert.equal(ids[0], 'e50');
    assert.equal(ids.at(-1), 'e249');
    // The login itself is untouched.
    assert.equal(store.value?.refreshToken, 'r|1');
  });

  it('restores a code-26 pause that has not run out, and forgets one that has', async () => {
    const paused = client(memoryStore({ ...session, blockedUntil: Date.now() + 60_000 }));
    await assert.rejects(paused.ensure(), (e: { code?: string }) => e.code === 'RATE_LIMITED');
    const over = client(memoryStore({ ...session, blockedUntil: Date.now() - 1 }));
    await over.ensure();
  });

  it('writes nothing back after a disconnect', async () => {
    const store = memoryStore({ ...session });
    const c = client(store);
    await c.savedEventIds();
    c.rememberEventId('late');
    await c.disconnect();
    await c.close();
    assert.equal(store.value, undefined);
  });
});
