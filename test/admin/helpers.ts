import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123';

export interface EventInit {
  readonly method?: string;
  readonly path: string;
  readonly body?: unknown;
  /** Send `body` as is (a string) instead of JSON-encoding it. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  readonly token?: string | null;
  readonly query?: Record<string, string>;
  readonly sourceIp?: string;
}

/** An API Gateway HTTP API (payload 2.0) event as the admin route receives it. */
export function httpEvent(init: EventInit): APIGatewayProxyEventV2 {
  const method = init.method ?? (init.body !== undefined || init.rawBody !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const rawQueryString = new URLSearchParams(init.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: init.path,
    rawQueryString,
    headers,
    queryStringParameters: init.query,
    isBase64Encoded: false,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: init.sourceIp ?? '127.0.0.1', userAgent: 'jest' },
      requestId: 'test',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

/** Keeps every increment so tests can assert on counters. */
export { RecordingMetrics } from '../support/recording-metrics';

export function parseBody(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? '') as Record<string, unknown>;
}
