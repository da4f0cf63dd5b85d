import assert from 'node:assert/strict';
import type { NetatmoSim } from '../../simulator/netatmo';

/**
 * Presses "Connect to Netatmo" the way the editor does, then plays the browser: opens the
 * authorize page, submits its form with Accept and follows the redirect back to Node-RED.
 */
export async function connectNetatmo(
  adminUrl: string,
  sim: NetatmoSim,
  accountId = 'acc',
): Promise<void> {
  const redirectUri = `${adminUrl}/camhub/netatmo/oauth/callback`;
  const start = await fetch(`${adminUrl}/camhub/accounts/${accountId}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirectUri }),
  });
  assert.equal(start.status, 200, await start.clone().text());
  const step = ((await start.json()) as { data: { url: string } }).data;
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
  const done = await fetch(accepted.headers.get('location') ?? '');
  assert.equal(done.status, 200, await done.text());
}
