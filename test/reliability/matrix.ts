/**
 * The faults every cloud is tested against, and what a user sees for each. The tests run
 * every row for every vendor and node; docs/reliability.md is generated from this table.
 */
export type FaultId =
  | 'token-expired'
  | 'rate-limited'
  | 'server-errors'
  | 'slow-reply'
  | 'slow-drip'
  | 'endless-body'
  | 'huge-content-length'
  | 'malformed-body'
  | 'connection-reset'
  | 'device-offline'
  | 'command-never-completes'
  | 'cloud-restart'
  | 'reconnect-command'
  | 'reconnect-events'
  | 'webhook-after-restart'
  | 'signature-over-escaped-body';

export interface FaultRow {
  id: FaultId;
  fault: string;
  userSees: string;
}

export const FAULTS: FaultRow[] = [
  {
    id: 'token-expired',
    fault: 'The access token expires mid-session',
    userSees:
      'Nothing: one re-login, shared by every node of the account, then the request succeeds.',
  },
  {
    id: 'rate-limited',
    fault: 'HTTP 429 with Retry-After',
    userSees:
      'A delay: no request is sent before Retry-After has passed, then one retry succeeds. A wait over a minute fails at once with RATE_LIMITED and a yellow "rate limited until HH:MM" status.',
  },
  {
    id: 'server-errors',
    fault: 'A burst of 5xx replies',
    userSees:
      'Reads are retried twice with backoff, then CLOUD_ERROR ("a passing outage; try again later"). Commands (arm, PTZ) are sent once and never repeated.',
  },
  {
    id: 'slow-reply',
    fault: 'A reply slower than the timeout',
    userSees: 'TIMEOUT ("did not answer in full within N s"); the node takes the next msg at once.',
  },
  {
    id: 'slow-drip',
    fault: 'A slow drip: the reply starts, then one byte every 200 ms, never ending',
    userSees:
      'TIMEOUT ("did not answer in full within N s") at the total deadline, the timeout of the account; the next msg to the camera works at once, nothing queues behind the drip.',
  },
  {
    id: 'endless-body',
    fault: 'An endless body streamed as fast as it is read',
    userSees:
      'CLOUD_ERROR ("a reply too large to accept"): reading stops at the cap for its kind (JSON 8 MB, playlists 2 MB, images 32 MB), it is not retried, and the next msg works. A recording download stops at the node property `maxBytes` with INVALID_INPUT ("larger than the limit"; raise maxBytes or play it), nothing sent.',
  },
  {
    id: 'huge-content-length',
    fault: 'A huge Content-Length (2 GB)',
    userSees:
      'CLOUD_ERROR ("a reply too large to accept") from the header alone, before any of the body is read; for a recording download, INVALID_INPUT over the node property `maxBytes`.',
  },
  {
    id: 'malformed-body',
    fault: 'A malformed or truncated body',
    userSees: 'CLOUD_ERROR ("a reply that is not valid JSON").',
  },
  {
    id: 'connection-reset',
    fault: 'The connection is reset without a reply',
    userSees:
      'Reads are retried and succeed; a command is not resent (it may have run) and gives CLOUD_ERROR.',
  },
  {
    id: 'device-offline',
    fault: 'The camera is offline',
    userSees:
      'OFFLINE ("check its power and network"); red "camera offline" status. A camera status read is no error: it answers `online: false`, the state asked for. Recordings the cloud keeps (Arlo, Blink) are still listed and downloaded.',
  },
  {
    id: 'command-never-completes',
    fault: 'An asynchronous command never completes',
    userSees:
      'TIMEOUT after the command wait; nothing hangs, and a failed command is never reported as success. A camera status read still answers, with `null` for the fields only the silent base station knows (Arlo: battery, signal).',
  },
  {
    id: 'cloud-restart',
    fault: 'The cloud restarts while events are being received',
    userSees: 'Events resume after the restart; none is emitted twice.',
  },
  {
    id: 'reconnect-command',
    fault: 'The event stream reconnects, and a command comes right after',
    userSees:
      'Nothing: the command works at once; it never waits for the cloud to confirm the event subscription again.',
  },
  {
    id: 'reconnect-events',
    fault: 'The event stream reconnects, and the base station never answers its subscription',
    userSees:
      'Events resume within one heartbeat; every base station stays registered by the heartbeat, answered or not; none is emitted twice.',
  },
  {
    id: 'webhook-after-restart',
    fault: 'Node-RED restarts while the cloud pushes events to the webhook',
    userSees:
      'Events keep coming by webhook after the restart, with no new sign-in: the account registers its webhook again as it starts (Netatmo: `addwebhook`, then the activation call).',
  },
  {
    id: 'signature-over-escaped-body',
    fault:
      'A pushed body with escaped slashes (`\\/`), `\\u` escapes and spaces, under any content type',
    userSees:
      "The event arrives: the signature or key is checked over the exact bytes received, also in Node-RED's default setup where the editor's body parsers run first (`test/behaviour/webhook-runtime.test.ts` starts such a Node-RED).",
  },
];

export function reliabilityDoc(
  rows: { vendor: string; node: string; fault: FaultId; result: string }[],
): string {
  const vendors = [...new Set(rows.map((r) => r.vendor))];
  const lines = [
    '# Reliability: what a user sees when a cloud misbehaves',
    '',
    'Generated from `test/reliability/matrix.ts` by `npm run test:reliability` (set `UPDATE_DOCS=1`',
    'to rewrite it); the test fails when this file and the tested matrix disagree. Every cell is a',
    'behaviour test of the real nodes in a Node-RED runtime against the simulated cloud, with the',
    "fault injected through the simulator's `/_sim/` controls.",
    '',
    '## Faults',
    '',
    '| fault | what the user sees |',
    '|---|---|',
    ...FAULTS.map((f) => `| ${f.fault} | ${f.userSees} |`),
    '',
    '## Tested cells',
    '',
    '`ok`: tested and behaves as above, and the next msg to the node works. `n/a`: the cloud has no',
    'such thing (the note says why). `-`: the node makes no cloud call of that kind. Columns:',
    '`device` is a camera status read, `control-get` a camera control `{get: true}`, `control-set`',
    'a camera control setting the switch the cloud has (Reolink name, Blink motion, Netatmo',
    'floodlight, Arlo siren), `recordings-list` a recordings list of one camera, `recordings-download`',
    'the download of one of its recordings (where the cloud keeps files: Arlo, Blink).',
    '',
  ];
  for (const vendor of vendors) {
    const mine = rows.filter((r) => r.vendor === vendor);
    const nodes = [...new Set(mine.map((r) => r.node))];
    const notes: string[] = [];
    const cell = (result: string): string => {
      if (!result.startsWith('n/a: ')) return result || '-';
      const reason = result.slice(5);
      if (!notes.includes(reason)) notes.push(reason);
      return `n/a (${notes.indexOf(reason) + 1})`;
    };
    lines.push(
      `### ${vendor}`,
      '',
      `| fault | ${nodes.join(' | ')} |`,
      `|---|${nodes.map(() => '---').join('|')}|`,
    );
    for (const f of FAULTS) {
      const cells = nodes.map((n) =>
        cell(mine.find((r) => r.node === n && r.fault === f.id)?.result ?? ''),
      );
      lines.push(`| ${f.fault} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    notes.forEach((n, i) => lines.push(`${i + 1}. ${n}.`));
    if (notes.length) lines.push('');
  }
  lines.push(
    '## Beyond the matrix',
    '',
    '- Redeploys: `test/behaviour/lifecycle.test.ts` redeploys a flow with every node type and checks',
    '  that timers, sockets, simulator connections and webhook receivers return to their baseline, also',
    '  when an account closes while a request is in flight.',
    '- Secrets: `test/reliability/secrets.test.ts` runs the example flows and error paths with sentinel',
    '  credentials and searches flows, logs, msgs, status texts, admin replies and errors for them.',
    '- Webhooks compare secrets in constant time, answer 401 to a missing or wrong one, 413 to a body over',
    '  64 KB and 400 to a body that is not JSON, and emit nothing in those cases.',
    '- Hostile input: `test/reliability/hostile.test.ts` sends thousands of random msgs to every functional',
    '  node; each ends in exactly one output or one caught error with a code and a sentence.',
    '- TLS verification is never turned off; the simulators run plain HTTP on 127.0.0.1 only.',
    '',
  );
  return lines.join('\n');
}
