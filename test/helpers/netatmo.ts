import assert from 'node:assert/strict';
import type { NetatmoSim } from '../../simulator/netatmo';

/**
 * Presses "Connect to Netatmo" the way the editor does (`adminBase`: the admin root, no
 * trailing slash), then plays the browser: opens the authorize page, submits its form with
 * Accept and follows the redirect back to Node-RED.
 */
export async function connectNetatmo(
  adminBase: string,
  sim: NetatmoSim,
  accountId = 'acc',
): Promise<string> {
  const redirectUri = `${adminBase}/camhub/netatmo/oauth/callback`;
  const start = await fetch(`${adminBase}/camhub/accounts/${accountId}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirectUri }),
  });
  assert.equal(start.status, 200, await start.clone().text());
  const step = ((await start.json()) as { data: { url: string; next: string } }).data;
  assert.equal(step.next, 'authorize');
  const html = await (await fetch(step.url)).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], m[2].replace(/&amp;/g, '&'));
  }
  form.set('decision', 'accept');
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const accepted = await fetch(new URL(action, sim.url), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  assert.equal(accepted.status, 302);
  const back = accepted.headers.get('location') ?? '';
  assert.ok(back.startsWith(redirectUri), back);
  const done = await fetch(back);
  assert.equal(done.status, 200, await done.text());
  return back;
}

/** Waits for a condition the simulator or the runtime reaches by itself; never asserts on time. */
export async function until(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
