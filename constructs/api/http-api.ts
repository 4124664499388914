import { Apigatewayv2Api } from '@cdktn/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktn/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktn/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktn/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktn/provider-aws/lib/cloudwatch-log-group';
import type { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { LOG_RETENTION_DAYS } from '../logs/log-retention';
import type { BundledFunction } from '../lambda/bundled-function';

export interface Throttling {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

export interface HttpRoute {
  /** `METHOD /path`, e.g. `GET /c/{surface}/{proxy+}`. */
  readonly routeKey: string;
  /** Function that answers the route. */
  readonly handler: BundledFunction;
  /** Route-level throttling. @default - the stage's default throttling */
  readonly throttling?: Throttling;
  /** `AWS_IAM`: API Gateway checks a SigV4 signature and `execute-api:Invoke` first. @default 'NONE' */
  readonly authorization?: 'NONE' | 'AWS_IAM';
}

export interface HttpApiProps {
  /** Physical API name; also names the access log group. */
  readonly apiName: string;
  /** @default - none */
  readonly description?: string;
  readonly routes: readonly HttpRoute[];
  /** Default throttling of every route on the stage. */
  readonly throttling: Throttling;
  /** Days CloudWatch keeps the access logs. @default 30 */
  readonly accessLogRetentionDays?: number;
  /** Customer managed key that encrypts the access log group. @default - CloudWatch Logs' own encryption */
  readonly accessLogEncryptionKey?: KmsKey;
}

const ROUTE_KEY = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \/[A-Za-z0-9._~{}+/-]*$/;

/** One field per line of the access log, as JSON so Logs Insights parses it without patterns. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTimeEpoch',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

function validateThrottling(where: string, t: Throttling): void {
  if (!(Number.isFinite(t.rateLimit) && t.rateLimit > 0)) throw new Error(`${where} rateLimit must be > 0, got ${t.rateLimit}`);
  if (!(Number.isInteger(t.burstLimit) && t.burstLimit > 0)) throw new Error(`${where} burstLimit must be an integer > 0, got ${t.burstLimit}`);
}

/**
 * An API Gateway HTTP API with Lambda proxy routes (payload format 2.0), one integration and one
 * invoke permission per function, and an auto-deployed `$default` stage with throttling and JSON
 * access logs.
 */
export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly accessLogs: CloudwatchLogGroup;
  readonly routes: Readonly<Record<string, Apigatewayv2Route>>;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    if (props.routes.length === 0) throw new Error(`HttpApi ${props.apiName}: at least one route is required`);
    validateThrottling(`HttpApi ${props.apiName} throttling`, props.throttling);
    const retention = props.accessLogRetentionDays ?? 30;
    if (!LOG_RETENTION_DAYS.includes(retention)) {
      throw new Error(`HttpApi ${props.apiName}: accessLogRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${retention}`);
    }
    const seen = new Set<string>();
    for (const r of props.routes) {
      if (!ROUTE_KEY.test(r.routeKey)) throw new Error(`HttpApi route key "${r.routeKey}" must be "METHOD /path"`);
      if (seen.has(r.routeKey)) throw new Error(`HttpApi route key "${r.routeKey}" is declared twice`);
      seen.add(r.routeKey);
      if (r.throttling) validateThrottling(`HttpApi route "${r.routeKey}" throttling`, r.throttling);
    }

    this.api = new Apigatewayv2Api(this, 'api', {
      name: props.apiName,
      description: props.description,
      protocolType: 'HTTP',
    });

    const integrations = new Map<BundledFunction, Apigatewayv2Integration>();
    const integrationFor = (fn: BundledFunction): Apigatewayv2Integration => {
      let integration = integrations.get(fn);
      if (!integration) {
        const key = fn.node.id;
        integration = new Apigatewayv2Integration(this, `integration-${key}`, {
          apiId: this.api.id,
          integrationType: 'AWS_PROXY',
          integrationUri: fn.invokeArn,
          payloadFormatVersion: '2.0',
        });
        // Any route and stage of this API, and no other API, may invoke the function.
        fn.allowInvokeFrom(`api-${id}`, 'apigateway.amazonaws.com', `${this.api.executionArn}/*/*`);
        integrations.set(fn, integration);
      }
      return integration;
    };

    const routes: Record<string, Apigatewayv2Route> = {};
    for (const r of props.routes) {
      const integration = integrationFor(r.handler);
      routes[r.routeKey] = new Apigatewayv2Route(this, `route-${routeId(r.routeKey)}`, {
        apiId: this.api.id,
        routeKey: r.routeKey,
        target: `integrations/${integration.id}`,
        authorizationType: r.authorization ?? 'NONE',
      });
    }
    this.routes = routes;

    this.accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      name: `/aws/apigateway/${props.apiName}`,
      retentionInDays: retention,
      kmsKeyId: props.accessLogEncryptionKey?.arn,
    });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
      routeSettings: props.routes.filter((r) => r.throttling).map((r) => ({
        routeKey: r.routeKey,
        throttlingRateLimit: r.throttling!.rateLimit,
        throttlingBurstLimit: r.throttling!.burstLimit,
      })),
      accessLogSettings: { destinationArn: this.accessLogs.arn, format: ACCESS_LOG_FORMAT },
      // Route settings name routes by key: the routes must exist first.
      dependsOn: Object.values(routes),
    });
  }

  get apiId(): string {
    return this.api.id;
  }

  /** `execute-api:Invoke` ARN of a route on any stage, e.g. `POST /admin/invalidate`. */
  routeInvokeArn(routeKey: string): string {
    const [method, path] = routeKey.split(' ');
    return `${this.api.executionArn}/*/${method}${path}`;
  }

  /** Base URL of the `$default` stage. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}

/** Stable construct id for a route key: `GET /c/{surface}/{proxy+}` → `get-c-surface-proxy`. */
export function routeId(routeKey: string): string {
  return routeKey.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
