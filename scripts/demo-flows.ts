import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const ACCOUNT_TYPES = new Set(['camhub-reolink', 'camhub-arlo', 'camhub-blink', 'camhub-netatmo']);

/** Reads every example flow shipped in examples/. */
export function readExamples(dir: string): { file: string; nodes: FlowNode[] }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      nodes: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowNode[],
    }));
}

/** The demo's webhook secret, derived from the credential secret so nothing else stores it. */
export function demoAuthcode(credentialSecret: string): string {
  return createHmac('sha256', credentialSecret)
    .update('camhub demo reolink authcode')
    .digest('base64url');
}

/** The simulated Netatmo app's client secret, derived the same way. */
export function demoNetatmoSecret(credentialSecret: string): string {
  return createHmac('sha256', credentialSecret)
    .update('camhub demo netatmo client secret')
    .digest('base64url');
}

/** The simulated Blink account's password, derived the same way, so no file holds it. */
export function demoBlinkPassword(credentialSecret: string): string {
  return createHmac('sha256', credentialSecret)
    .update('camhub demo blink password')
    .digest('base64url');
}

/** The simulated Blink account's email (the simulator's default). */
export const DEMO_BLINK_EMAIL = 'owner@blink.camhub.test';

/**
 * Joins the examples into one deployable flow set: every account of one vendor becomes a single
 * demo account pointed at that vendor's simulator (one login, one webhook, as a user would set
 * it up), with its credentials carried in the deploy request, never in the flow file.
 */
export function demoFlows(
  examples: { nodes: FlowNode[] }[],
  simUrls: Record<string, string>,
  credentials: Record<string, Record<string, string>>,
  props: Record<string, Record<string, unknown>> = {},
): { flows: FlowNode[]; accounts: Record<string, string> } {
  const accounts: Record<string, string> = {};
  const remap = new Map<string, string>();
  const flows: FlowNode[] = [];
  for (const example of examples) {
    for (const node of example.nodes) {
      if (ACCOUNT_TYPES.has(node.type)) {
        const vendor = node.type.replace('camhub-', '');
        const id = `camhub-demo-${vendor}`;
        remap.set(node.id, id);
        if (!accounts[vendor] && simUrls[vendor]) {
          accounts[vendor] = id;
          flows.push({
            ...node,
            id,
            name: `${vendor[0].toUpperCase()}${vendor.slice(1)} (simulated)`,
            baseUrl: simUrls[vendor],
            ...props[vendor],
            credentials: credentials[vendor] ?? {},
          });
        }
        continue;
      }
      flows.push({ ...node });
    }
  }
  for (const node of flows) {
    if (typeof node.account === 'string' && remap.has(node.account))
      node.account = remap.get(node.account);
  }
  return { flows, accounts };
}
