/**
 * The HTTP transport under our `@upstash/redis` clients: the Upstash REST protocol (a JSON command,
 * or a JSON array of them to `/pipeline` or `/multi-exec`, POSTed with a bearer token; JSON
 * `{result}` / `{error}` back) over `node:http` / `node:https` with one keep-alive agent per origin,
 * in place of the client's own global `fetch`. Commands, pipelines, auto-pipelining and
 * (de)serialisation all stay in `@upstash/redis`; only the request on the wire is ours.
 *
 * Why by hand: Node's `fetch` (undici's WHATWG layer: Request, Response and Headers objects, a web
 * stream per body, a follow signal per request) costs more CPU per request than a round trip to a
 * nearby Redis. Side by side against the local server, the same GET through our client (this
 * transport, plain JSON replies) runs about 2x the requests per second of a stock client at 1 in
 * flight and 1.4-1.8x at 16 (`bench/engine.bench.ts`, "its client alone"); the plain replies are a
 * few per cent of that.
 * `undici.request` is as fast, but adds 535 KB and about 40 ms of cold require to every function;
 * `node:http` is already in the runtime.
 *
 * Replies are plain JSON (no `Upstash-Encoding: base64`): everything this platform stores goes in
 * through the REST API as JSON, so it is valid UTF-8 and comes back intact; base64 would add a third
 * to every reply and a JavaScript decode of every value.
 *
 * Kept from the client's own transport: error messages (`<error>, command was: <command>`) and
 * classes (`UpstashError`, `UpstashJSONParseError`), retries on network errors only (an answer with
 * an error status is never retried), read-your-writes sync tokens. Streaming commands (subscribe)
 * are refused: nothing here uses them.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis';

export interface UpstashHttpOptions {
  /** REST URL of the database, `https://…` (or `http://` for the local server). */
  readonly url: string;
  readonly token: string;
  /** Retries on network errors (an answer with an error status is never retried). @default 1 */
  readonly retries?: number;
  /** Wait before retry `n` (from 0), in ms. @default 10 ms */
  readonly backoffMs?: (retry: number) => number;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly syncToken: string | undefined;
}

/** One keep-alive agent per origin, shared by every client of it (a token refresh keeps the sockets). */
const agents = new Map<string, HttpAgent>();

function agentFor(url: URL): HttpAgent {
  let agent = agents.get(url.origin);
  if (agent === undefined) {
    agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    agents.set(url.origin, agent);
  }
  return agent;
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Upstash REST URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`Upstash REST URL must be https:// (or http:// for a local server): ${JSON.stringify(raw)}`);
  }
  return url;
}

export class UpstashHttp implements Requester {
  /** Read-your-writes: the last sync token Upstash sent, echoed on the next request. */
  private syncToken = '';

  private readonly url: URL;
  /** `url.hostname` without the brackets of an IPv6 literal, as `http.request` wants it. */
  private readonly hostname: string;
  private readonly basePath: string;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly authorization: string;
  private readonly retries: number;
  private readonly backoffMs: (retry: number) => number;

  constructor(opts: UpstashHttpOptions) {
    this.url = parseUrl(opts.url);
    this.hostname = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.basePath = this.url.pathname.replace(/\/$/, '');
    this.agent = agentFor(this.url);
    this.send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.authorization = `Bearer ${opts.token}`;
    this.retries = opts.retries ?? 1;
    this.backoffMs = opts.backoffMs ?? (() => 10);
  }

  async request<TResult = unknown>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    if (req.isStreaming || req.onMessage) throw new Error('streaming commands (subscribe) are not supported by this Upstash transport');
    const path = req.path === undefined || req.path.length === 0 ? this.basePath || '/' : `${this.basePath}/${req.path.join('/')}`;
    const body = JSON.stringify(req.body);
    const { signal } = req;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.post(path, body, req.headers, signal);
      } catch (e) {
        if (signal?.aborted || attempt >= this.retries) throw e;
        await new Promise((r) => setTimeout(r, this.backoffMs(attempt)));
        continue;
      }
      return this.parse<TResult>(answer, body);
    }
  }

  private parse<TResult>(answer: Answer, command: string): UpstashResponse<TResult> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch (cause) {
      throw new errors.UpstashJSONParseError(answer.text, { cause });
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new errors.UpstashError(`${(parsed as { error?: unknown } | null)?.error}, command was: ${command}`);
    }
    this.syncToken = answer.syncToken ?? '';
    return parsed as UpstashResponse<TResult>;
  }

  /** One HTTP exchange; rejects on a network error, a cut-off answer or `signal` (with its reason). */
  private post(path: string, body: string, extraHeaders: Record<string, string> | undefined, signal: AbortSignal | undefined): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: Record<string, string | number> = {
        authorization: this.authorization,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'upstash-sync-token': this.syncToken,
        ...extraHeaders,
      };
      const options: RequestOptions = {
        protocol: this.url.protocol, hostname: this.hostname, port: this.url.port, path, method: 'POST', agent: this.agent, headers,
      };
      let settled = false;
      const settle = (error: unknown, answer?: Answer): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (answer === undefined) reject(error);
        else resolve(answer);
      };
      const onAbort = (): void => {
        settle(signal?.reason);
        outgoing.destroy();
      };
      const outgoing = this.send(options, (res: IncomingMessage) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, text, syncToken: res.headers['upstash-sync-token'] as string | undefined }));
        res.on('error', settle);
        res.on('close', () => { if (!res.complete) settle(new Error('Upstash closed the connection before the whole answer arrived')); });
      });
      outgoing.on('error', settle);
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.end(body);
    });
  }
}
