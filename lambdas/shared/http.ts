/**
 * API Gateway HTTP API (payload format 2.0) helpers shared by the handlers: JSON answers and
 * errors in the contract's shape (`{"error": "<code>", "message": "..."}`, never a stack trace),
 * case-insensitive header lookup and the client IP.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorCode } from '../../contracts/error-codes';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
export type Headers = Readonly<Record<string, string | undefined>>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** A JSON error answer; `code` is one of contracts/error-codes.ts. */
export function jsonError(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): HttpResult {
  return json(status, { error: code, message }, headers);
}

/** Header value by name, whatever its case; repeated headers arrive comma-joined in payload 2.0. */
export function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return v;
  }
  return undefined;
}

/** Headers with lowercase names (later duplicates win). */
export function lowercaseHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** The caller's IP as API Gateway saw it (`requestContext.http.sourceIp`). */
export function clientIp(event: Pick<HttpEvent, 'requestContext'>): string {
  return event.requestContext?.http?.sourceIp || 'unknown';
}

/** Decoded request body (payload 2.0 may base64-encode it). */
export function bodyText(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Query parameters of the event; repeated parameters arrive comma-joined in payload 2.0. */
export function queryOf(event: Pick<HttpEvent, 'queryStringParameters'>): Record<string, string | undefined> {
  return { ...(event.queryStringParameters ?? {}) };
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|ld\+json|problem\+json|xhtml\+xml|rss\+xml|atom\+xml)|image\/svg\+xml)/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A Lambda result body: text when the type is textual and the bytes are valid UTF-8, else base64. */
export function encodeBody(body: Uint8Array, contentType: string | undefined): { body: string; isBase64Encoded: boolean } {
  if (body.byteLength === 0) return { body: '', isBase64Encoded: false };
  if (contentType && TEXT_TYPES.test(contentType)) {
    try {
      return { body: strictUtf8.decode(body), isBase64Encoded: false };
    } catch {
      // invalid UTF-8 despite a text type: fall through to base64 so no byte is lost
    }
  }
  return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'), isBase64Encoded: true };
}
