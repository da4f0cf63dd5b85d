import http from 'node:http';
import https from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';

export interface WebhookResult {
  /** HTTP status of the receiver's reply; null when no reply arrived. */
  status: number | null;
  /** Network error or timeout, when there was no reply. */
  error?: string;
  /** First part of the receiver's reply body, for diagnosing rejected deliveries. */
  responseBody?: string;
}

export interface WebhookRequest {
  url: string;
  body: string | Buffer;
  headers?: OutgoingHttpHeaders;
  method?: string;
  timeoutMs?: number;
  /** The one-way trip from the cloud to the receiver (see latency.ts); default 0. */
  delayMs?: number;
}

/**
 * One HTTP delivery attempt. Never rejects: vendors fire webhooks and forget them, so the result
 * is only recorded for tests to inspect.
 */
export async function postWebhook(request: WebhookRequest): Promise<WebhookResult> {
  if (request.delayMs && request.delayMs > 0) {
    await new Promise((r) => setTimeout(r, request.delayMs));
  }
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ status: null, error: 'invalid callback URL' });
      return;
    }
    const payload = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: request.method ?? 'POST',
        headers: { ...request.headers, 'Content-Length': payload.length },
        timeout: request.timeoutMs ?? 5000,
        // A pooled keep-alive socket would stop receivers from closing promptly in tests.
        agent: false,
        // Test receivers use self-signed certificates; this only ever talks to them.
        ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 4096) chunks.push(chunk);
        });
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? null,
            responseBody: Buffer.concat(chunks).toString('utf8').slice(0, 1024),
          });
        });
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: null, error: err.message }));
    req.end(payload);
  });
}
