import assert from 'node:assert/strict';
import { CamhubError } from '../../nodes/core/errors';
import { LoginGate, isGateRefusal } from '../../nodes/core/login-gate';
import type { SecretStore } from '../../nodes/core/provider';

function memoryStore(): SecretStore & { value?: Record<string, unknown> } {
  const s: SecretStore & { value?: Record<string, unknown> } = {
    load: async () => s.value,
    save: async (v) => void (s.value = v),
    clear: async () => void (s.value = undefined),
  };
  return s;
}

const refused = () => new CamhubError('AUTH_FAILED', 'Test rejected the credentials.');

describe('login gate', () => {
  it('holds logins back after a refusal, twice as long each time, up to the cap', async () => {
    const gate = new LoginGate({ vendor: 'Test', baseMs: 1000, maxMs: 3000 });
    await gate.check();
    const holds: number[] = [];
    for (let i = 0; i < 3; i++) {
      await gate.failed(refused());
      holds.push(gate.retryAt! - Date.now());
    }
    // Each hold is measured right after it is set: well within the 1 s between the steps.
    assert.ok(holds[0] <= 1000, String(holds));
    assert.ok(holds[1] > 1000 && holds[1] <= 2000, String(holds));
    assert.ok(holds[2] > 2000 && holds[2] <= 3000, String(holds));
    await assert.rejects(gate.check(), (e: unknown) => {
      assert.ok(e instanceof CamhubError && e.code === 'AUTH_FAILED');
      assert.match(e.message, /rejected the credentials\. camhub tries the next Test login at/);
      assert.ok(isGateRefusal(e));
      return true;
    });
    // Its own refusal passed back is not a new one.
    const before = gate.retryAt;
    await gate.check().catch((e: CamhubError) => gate.failed(e));
    assert.equal(gate.retryAt, before);
    await gate.succeeded();
    await gate.check();
  });

  it('honours a longer Retry-After, and a 429 does not hold calls with the current token', async () => {
    const gate = new LoginGate({ vendor: 'Test', baseMs: 1000 });
    await gate.failed(new CamhubError('RATE_LIMITED', 'slow down', { retryAfterMs: 60_000 }));
    assert.ok(gate.retryAt! - Date.now() > 30_000);
    await assert.rejects(gate.check('login'), /RATE_LIMITED|rate limiting/);
    await gate.check('request');
  });

  it('keeps the back-off in the store for the same credentials only', async () => {
    const store = memoryStore();
    const first = new LoginGate({ vendor: 'Test', store, fingerprint: 'a' });
    await first.failed(refused());
    assert.ok(store.value);
    const restarted = new LoginGate({ vendor: 'Test', store, fingerprint: 'a' });
    await assert.rejects(restarted.check());
    const corrected = new LoginGate({ vendor: 'Test', store, fingerprint: 'b' });
    await corrected.check();
    await restarted.succeeded();
    assert.equal(store.value, undefined);
  });

  it('ignores errors that are no refusal of the login', async () => {
    const gate = new LoginGate({ vendor: 'Test' });
    await gate.failed(new CamhubError('TIMEOUT', 'slow'));
    await gate.failed(new CamhubError('CLOUD_ERROR', 'down'));
    assert.equal(gate.retryAt, undefined);
  });
});
