import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeAPI } from 'node-red';
import type { CameraProvider } from '../core/provider';

/**
 * One route per runtime, registered once, dispatching to the accounts deployed now. A redeploy
 * only changes the map, so no route is ever left behind on Node-RED's HTTP server.
 */
const receivers = new Map<string, CameraProvider>();
const mounted = new WeakSet<object>();
const MAX_BODY = 64 * 1024;
/** A webhook body arrives in one go; one still coming after this long is a fault or an attack. */
const BODY_DEADLINE_MS = 10_000;

export function webhookPath(vendor: string, accountId: string): string {
  return `/camhub/${vendor}/${accountId}`;
}

export function registerWebhook(vendor: string, accountId: string, provider: CameraProvider): void {
  receivers.set(`${vendor}/${accountId}`, provider);
}

export function unregisterWebhook(
  vendor: string,
  accountId: string,
  provider: CameraProvider,
): void {
  if (receivers.get(`${vendor}/${accountId}`) === provider)
    receivers.delete(`${vendor}/${accountId}`);
}

export function webhookCount(): number {
  return receivers.size;
}

type Req = IncomingMessage & {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body?: unknown;
};
type Res = ServerResponse & { status(code: number): Res; send(body: string): Res };

export function mountWebhookRoute(RED: NodeAPI): void {
  const app = RED.httpNode as unknown as
    { all?: (path: string, handler: (req: Req, res: Res) => void) => void } | undefined;
  if (!app || typeof app.all !== 'function' || mounted.has(app)) return;
  mounted.add(app);
  app.all('/camhub/:vendor/:id', (req, res) => {
    void handle(req, res);
  });
}

async function handle(req: Req, res: Res): Promise<void> {
  const provider = receivers.get(`${req.params.vendor}/${req.params.id}`);
  if (!provider?.handleWebhook) {
    res.status(404).send('not found');
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if ((err as Error).message === 'too slow') res.status(408).send('too slow');
    else res.status(413).send('too large');
    return;
  }
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (typeof v === 'string') query[k] = v;
  }
  try {
    const reply = await provider.handleWebhook({
      method: req.method ?? 'GET',
      headers: req.headers,
      query,
      body,
    });
    res.status(reply.status).send(reply.body ?? '');
  } catch {
    res.status(500).send('error');
  }
}

/** The raw body, whatever content-type ROP or anyone else claims, capped in size. */
async function readBody(req: Req): Promise<Buffer> {
  // Another middleware (httpNodeMiddleware) may have consumed the stream already.
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body && typeof req.body === 'object' && Object.keys(req.body).length > 0) {
    return Buffer.from(JSON.stringify(req.body));
  }
  if (req.readableEnded) return Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A sender dripping its body must not hold a handler (and a socket) for ever.
    const timer = setTimeout(() => {
      req.removeAllListeners('data');
      reject(new Error('too slow'));
    }, BODY_DEADLINE_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('end', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Drain the rest rather than cut the connection, so the sender reads the 413.
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
