import { Apigatewayv2Api } from '@cdktn/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktn/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktn/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktn/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktn/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission';
import { HttpApi, routeId, type HttpApiProps } from '../../constructs/api/http-api';
import { BundledFunction } from '../../constructs/lambda/bundled-function';
import { awsTestStack, inventory, onlyResource, ref, resources, synth } from '../support/cdk-test-kit';

function make(change: (fns: { a: BundledFunction; b: BundledFunction }) => Partial<HttpApiProps> = () => ({})) {
  const { stack } = awsTestStack();
  const entry = 'test/constructs/fixtures/echo-handler.ts';
  const a = new BundledFunction(stack, 'a', { entry, functionName: 'fn-a' });
  const b = new BundledFunction(stack, 'b', { entry, functionName: 'fn-b' });
  const api = new HttpApi(stack, 'api', {
    apiName: 'clarivum-test',
    routes: [
      { routeKey: 'GET /c/{surface}/{proxy+}', handler: a },
      { routeKey: 'HEAD /c/{surface}/{proxy+}', handler: a },
      { routeKey: 'POST /admin/invalidate', handler: b, throttling: { rateLimit: 5, burstLimit: 10 } },
    ],
    throttling: { rateLimit: 100, burstLimit: 200 },
    accessLogRetentionDays: 14,
    ...change({ a, b }),
  });
  return { stack, api, a, b };
}

describe('HttpApi', () => {
  it('creates one integration and one permission per function, a route per key, a stage and access logs', () => {
    const { stack } = make();
    const s = synth(stack);
    expect(inventory(s).filter((l) => /apigatewayv2|lambda_permission|log_group/.test(l))).toEqual([
      'aws_apigatewayv2_api x1',
      'aws_apigatewayv2_integration x2', // one per function, shared by its routes
      'aws_apigatewayv2_route x3',
      'aws_apigatewayv2_stage x1',
      'aws_cloudwatch_log_group x3', // two functions + the access log
      'aws_lambda_permission x2', // API Gateway may invoke each function, from this API only
    ]);
  });

  it('routes to Lambda proxy integrations with payload format 2.0', () => {
    const { stack, api, a } = make();
    const s = synth(stack);
    expect(s.text).toHaveResourceWithProperties(Apigatewayv2Api, { name: 'clarivum-test', protocol_type: 'HTTP' });
    expect(s.text).toHaveResourceWithProperties(Apigatewayv2Integration, {
      api_id: ref(api.api, 'id'), integration_type: 'AWS_PROXY', integration_uri: ref(a.function, 'invoke_arn'), payload_format_version: '2.0',
    });
    const routes = Object.values(resources(s, 'aws_apigatewayv2_route')).map((r) => r.route_key).sort();
    expect(routes).toEqual(['GET /c/{surface}/{proxy+}', 'HEAD /c/{surface}/{proxy+}', 'POST /admin/invalidate']);
    expect(s.text).toHaveResourceWithProperties(Apigatewayv2Route, {
      route_key: 'GET /c/{surface}/{proxy+}', target: `integrations/${ref(Object.values(api.node.children).find((c) => c.node.id === 'integration-a') as Apigatewayv2Integration, 'id')}`,
    });
    expect(s.text).toHaveResourceWithProperties(LambdaPermission, {
      principal: 'apigateway.amazonaws.com', function_name: ref(a.function, 'function_name'), source_arn: `${ref(api.api, 'execution_arn')}/*/*`,
    });
  });

  it('throttles the stage by default and the routes that ask for tighter limits, and writes JSON access logs', () => {
    const { stack, api } = make();
    const s = synth(stack);
    expect(s.text).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: '$default',
      auto_deploy: true,
      default_route_settings: { throttling_rate_limit: 100, throttling_burst_limit: 200 },
      route_settings: [{ route_key: 'POST /admin/invalidate', throttling_rate_limit: 5, throttling_burst_limit: 10 }],
    });
    expect(s.text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/apigateway/clarivum-test', retention_in_days: 14 });
    const stage = onlyResource(s, 'aws_apigatewayv2_stage');
    const logs = stage.access_log_settings as { destination_arn: string; format: string };
    expect(logs.destination_arn).toBe(ref(api.accessLogs, 'arn'));
    expect(Object.keys(JSON.parse(logs.format))).toEqual(expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status', 'integrationError']));
    expect((stage.depends_on as string[]).length).toBe(3);
  });

  it('derives stable construct ids from route keys', () => {
    expect(routeId('GET /c/{surface}/{proxy+}')).toBe('get-c-surface-proxy');
    expect(routeId('POST /admin/invalidate')).toBe('post-admin-invalidate');
  });

  it.each<[string, (f: { a: BundledFunction; b: BundledFunction }) => Partial<HttpApiProps>, RegExp]>([
    ['no routes', () => ({ routes: [] }), /HttpApi clarivum-test: at least one route is required/],
    ['rate limit', () => ({ throttling: { rateLimit: 0, burstLimit: 1 } }), /HttpApi clarivum-test throttling rateLimit must be > 0, got 0/],
    ['burst limit', () => ({ throttling: { rateLimit: 1, burstLimit: 1.5 } }), /throttling burstLimit must be an integer > 0, got 1.5/],
    ['access log retention', () => ({ accessLogRetentionDays: 2 }), /accessLogRetentionDays must be one of .*got 2/],
    ['route key', ({ a }) => ({ routes: [{ routeKey: 'FETCH /x', handler: a }] }), /route key "FETCH \/x" must be "METHOD \/path"/],
    ['duplicate route', ({ a }) => ({ routes: [{ routeKey: 'GET /x', handler: a }, { routeKey: 'GET /x', handler: a }] }), /route key "GET \/x" is declared twice/],
    ['route throttling', ({ a }) => ({ routes: [{ routeKey: 'GET /x', handler: a, throttling: { rateLimit: -1, burstLimit: 1 } }] }), /route "GET \/x" throttling rateLimit must be > 0, got -1/],
  ])('rejects %s', (_what, change, message) => {
    expect(() => make(change)).toThrow(message);
  });
});
