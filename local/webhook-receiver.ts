/**
 * A local on-call receiver: an HTTP server that takes Alertmanager's webhook notifications, keeps
 * every alert it was told about and prints one line per alert (`[pager] FIRING ...`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One alert of an Alertmanager webhook notification (the fields the platform sets). */
export interface ReceivedAlert {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** When the receiver got it (ms since epoch). */
  readonly receivedAtMs: number;
}

export interface WebhookReceiver {
  readonly name: string;
  /** The URL to give Alertmanager. */
  readonly url: string;
  alerts(): readonly ReceivedAlert[];
  close(): Promise<void>;
}

interface WebhookPayload {
  receiver?: string;
  alerts?: { status?: string; labels?: Record<string, string>; annotations?: Record<string, string>; startsAt?: string }[];
}

export async function startWebhookReceiver(name: string, opts: { print?: (line: string) => void } = {}): Promise<WebhookReceiver> {
  const received: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let payload: WebhookPayload;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad_request","message":"body is not JSON"}');
        return;
      }
      const now = Date.now();
      for (const a of payload.alerts ?? []) {
        const alert: ReceivedAlert = {
          receiver: payload.receiver ?? name,
          status: a.status === 'resolved' ? 'resolved' : 'firing',
          labels: a.labels ?? {},
          annotations: a.annotations ?? {},
          startsAt: a.startsAt ?? '',
          receivedAtMs: now,
        };
        received.push(alert);
        opts.print?.(`[${name}] ${alert.status.toUpperCase()} ${alert.labels.alertname} severity=${alert.labels.severity} `
          + `${alert.annotations.summary ?? ''} (${alert.annotations.runbook_url ?? 'no runbook'})`);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}/`,
    alerts: () => [...received],
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
