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
/**
 * A webhook body arrives in one go; one still coming after this long is a fault or an attack.
 * Tests shorten it with CAMHUB_WEBHOOK_BODY_MS.
 */
const bodyDeadlineMs = (): number => Number(process.env.CAMHUB_WEBHOOK_BODY_MS) || 10_000;

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

/** Said once per runtime when a body reached camhub already parsed. */
let warnParsed: ((msg: string) => void) | undefined;

export function mountWebhookRoute(RED: NodeAPI): void {
  keepRawBodies((RED as unknown as { server?: unknown }).server);
  warnParsed ??= (msg) => RED.log.warn(`camhub: ${msg}`);
  const app = RED.httpNode as unknown as
    { all?: (path: string, handler: (req: Req, res: Res) => void) => void } | undefined;
  if (!app || typeof app.all !== 'function' || mounted.has(app)) return;
  mounted.add(app);
  app.all('/camhub/:vendor/:id', (req, res) => {
    void handle(req, res);
  });
}

/** The raw bytes of a webhook POST, read before any body parser of Node-RED's could run. */
const RAW = Symbol('camhub raw body');
type RawReq = IncomingMessage & { [RAW]?: Buffer | 'too large' | 'too slow'; _body?: boolean };
/** `/camhub/<vendor>/<account id>` at the end of the path, under whatever httpNodeRoot. */
const WEBHOOK_PATH = /\/camhub\/([^/?#]+)\/([^/?#]+)\/?(?:[?#]|$)/;

function isWebhookPost(req: IncomingMessage): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
  const m = WEBHOOK_PATH.exec(req.url ?? '');
  if (!m) return false;
  try {
    return receivers.has(`${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`);
  } catch {
    return false;
  }
}

/**
 * A signature covers the bytes the sender sent. With Node-RED's default settings the admin
 * and node apps share the root `/`, and the admin app's JSON and form parsers consume every
 * body before the node app's routes run; JSON.stringify of the parsed object is not what was
 * signed (escaped slashes, spaces, \u escapes). So the server's request handlers are wrapped
 * once per runtime: a POST to a deployed webhook is read raw first and marked as parsed, and
 * only then handed on. Every other request passes straight through.
 */
function keepRawBodies(server: unknown): void {
  const s = server as
    | {
        listeners?: (e: string) => ((req: IncomingMessage, res: ServerResponse) => void)[];
        removeAllListeners?: (e: string) => unknown;
        on?: (e: string, l: (req: IncomingMessage, res: ServerResponse) => void) => unknown;
      }
    | undefined;
  if (!s || typeof s.listeners !== 'function' || typeof s.on !== 'function') return;
  if (typeof s.removeAllListeners !== 'function' || mounted.has(s)) return;
  const handlers = s.listeners('request');
  if (handlers.length === 0) return;
  mounted.add(s);
  s.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const h of handlers) h.call(server, req, res);
  };
  s.on('request', (req, res) => {
    if (!isWebhookPost(req)) {
      pass(req, res);
      return;
    }
    const r = req as RawReq;
    readStream(req).then(
      (body) => {
        r[RAW] = body;
        r._body = true;
        pass(req, res);
      },
      (err: unknown) => {
        r[RAW] = (err as Error).message === 'too slow' ? 'too slow' : 'too large';
        r._body = true;
        pass(req, res);
      },
    );
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
  const raw = (req as RawReq)[RAW];
  if (raw === 'too large' || raw === 'too slow') throw new Error(raw);
  if (raw) return raw;
  // Another middleware may have consumed the stream already; a parsed object is the last
  // resort, as a signature over it only matches when the sender wrote plain JSON.
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body && typeof req.body === 'object' && Object.keys(req.body).length > 0) {
    warnParsed?.(
      'a body parser read a webhook body before camhub could: a signature over it only matches ' +
        'when the sender wrote plain JSON. Run Node-RED with its own HTTP server (node-red, or ' +
        'RED.init with the server the app listens on) so camhub reads webhook bodies first.',
    );
    warnParsed = undefined;
    return Buffer.from(JSON.stringify(req.body));
  }
  if (req.readableEnded) return Buffer.alloc(0);
  return readStream(req);
}

function readStream(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A sender dripping its body must not hold a handler (and a socket) for ever.
    const timer = setTimeout(() => {
      req.removeAllListeners('data');
      reject(new Error('too slow'));
    }, bodyDeadlineMs());
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
