import { Apigatewayv2Stage } from '@cdktn/provider-aws/lib/apigatewayv2-stage';
import { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function';
import { SchedulerSchedule } from '@cdktn/provider-aws/lib/scheduler-schedule';
import { deploymentOf, environment } from '../../config';
import { SECRET_ID_ENV } from '../../contracts/secrets';
import { adotCollectorLayerArn } from '../../stacks/runtime-stack';
import { inlinePolicies, inventory, ref, resources } from '../support/cdk-test-kit';
import { synthesizeApp } from './synthesized-app';

const app = synthesizeApp();
const s = app.stack('prod-runtime');
const stack = app.stacks.prod.runtime;
const env = environment('prod');
const deployment = deploymentOf(env);

/** The HTTP contract (README "HTTP contract"), written out independently of contracts/routes.ts: route → function. */
const CONTRACT: Record<string, 'cache' | 'admin'> = {
  'GET /c/{surface}/{proxy+}': 'cache',
  'HEAD /c/{surface}/{proxy+}': 'cache',
  'GET /healthz': 'cache',
  'GET /readyz': 'cache',
  'GET /metrics': 'cache',
  'GET /debug/cache': 'cache',
  'POST /admin/invalidate': 'admin',
  'POST /admin/bypass': 'admin',
  'POST /admin/allowlist': 'admin',
  'GET /admin/status': 'admin',
};

/** What `${data.terraform_remote_state...}` the secrets stack's output for a secret resolves to here. */
const remote = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-prod-secrets\.outputs\.[\w-]+\}$/;

describe('<env>-runtime', () => {
  it('creates four functions, one HTTP API, two schedules and a dead-letter queue', () => {
    expect(inventory(s)).toEqual([
      'aws_apigatewayv2_api x1',
      'aws_apigatewayv2_integration x2', // cache, admin
      'aws_apigatewayv2_route x10', // the HTTP contract
      'aws_apigatewayv2_stage x1',
      'aws_cloudwatch_log_group x5', // four functions + access logs
      'aws_iam_policy x1', // execute-api:Invoke on the admin routes, for operator roles (IAM authorization)
      'aws_iam_role x5', // four functions + scheduler
      'aws_iam_role_policy x23', // logs x4, X-Ray x4, secret reads x12, scheduler: invoke x2 + dead letters
      'aws_lambda_function x4',
      'aws_lambda_permission x2', // API Gateway → cache, admin
      'aws_scheduler_schedule x2', // warmup, audit
      'aws_sqs_queue x1', // dead letters of the schedules
    ]);
  });

  it('routes exactly the HTTP contract to the right functions', () => {
    const integrations = resources(s, 'aws_apigatewayv2_integration');
    const uriOf = (target: string) => {
      const id = /integrations\/\$\{aws_apigatewayv2_integration\.([\w-]+)\.id\}/.exec(target)![1];
      return integrations[id].integration_uri;
    };
    const routed = Object.fromEntries(Object.values(resources(s, 'aws_apigatewayv2_route')).map((r) => [r.route_key, uriOf(r.target as string)]));
    expect(Object.keys(routed).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [key, fn] of Object.entries(CONTRACT)) expect(routed[key]).toBe(ref(stack.functions[fn].function, 'invoke_arn'));
  });

  it.each(['dev', 'staging', 'prod'] as const)('%s: admin routes take AWS IAM authorization outside dev, every other route none', (name) => {
    const routes = Object.values(resources(app.stack(`${name}-runtime`), 'aws_apigatewayv2_route'));
    for (const route of routes) {
      const admin = (route.route_key as string).includes(' /admin/');
      expect([route.route_key, route.authorization_type]).toEqual([route.route_key, admin && name !== 'dev' ? 'AWS_IAM' : 'NONE']);
    }
    const policies = Object.values(resources(app.stack(`${name}-runtime`), 'aws_iam_policy'));
    expect(policies).toHaveLength(name === 'dev' ? 0 : 1);
  });

  it('lets the admin-invoke policy call the admin routes and nothing else', () => {
    const policy = Object.values(resources(s, 'aws_iam_policy'))[0];
    const document = JSON.parse(policy.policy as string) as { Statement: { Action: string; Resource: string[] }[] };
    expect(document.Statement).toHaveLength(1);
    expect(document.Statement[0].Action).toBe('execute-api:Invoke');
    expect(document.Statement[0].Resource.map((r) => r.replace(/^\$\{[^}]+\}/, 'API'))).toEqual(
      ['API/*/POST/admin/invalidate', 'API/*/POST/admin/bypass', 'API/*/POST/admin/allowlist', 'API/*/GET/admin/status']);
  });

  it('throttles the stage from config, admin routes tighter, and logs access', () => {
    const { throttling, adminThrottling } = deployment.api;
    expect(s.text).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: '$default',
      default_route_settings: { throttling_rate_limit: throttling.rateLimit, throttling_burst_limit: throttling.burstLimit },
    });
    const stage = Object.values(resources(s, 'aws_apigatewayv2_stage'))[0];
    const routeSettings = stage.route_settings as { route_key: string; throttling_rate_limit: number }[];
    expect(routeSettings.map((r) => r.route_key).sort()).toEqual(Object.keys(CONTRACT).filter((k) => k.includes('/admin/')).sort());
    expect(routeSettings.every((r) => r.throttling_rate_limit === adminThrottling.rateLimit)).toBe(true);
    expect(stage.access_log_settings).toMatchObject({ destination_arn: ref(stack.api.accessLogs, 'arn') });
  });

  it.each(['cache', 'admin', 'warmup', 'audit'] as const)('%s: Node 22 on arm64, sized from config, logs kept per config', (name) => {
    const settings = deployment.lambdas[name];
    expect(s.text).toHaveResourceWithProperties(LambdaFunction, {
      function_name: `clarivum-prod-${name}`,
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      memory_size: settings.memoryMb,
      timeout: settings.timeoutSeconds,
      source_code_hash: stack.functions[name].bundle.sha256Base64,
      environment: { variables: expect.objectContaining({ CACHE_ENV: 'prod' }) },
    });
    const group = Object.values(resources(s, 'aws_cloudwatch_log_group')).find((g) => g.name === `/aws/lambda/clarivum-prod-${name}`)!;
    expect(group.retention_in_days).toBe(env.logRetentionDays);
  });

  it('tells each function where its secrets are, through cross-stack references only', () => {
    const vars = (name: 'cache' | 'admin' | 'warmup' | 'audit') =>
      ((resources(s, 'aws_lambda_function')[Object.keys(resources(s, 'aws_lambda_function')).find((k) => k.startsWith(`${name}_`))!]
        .environment as { variables: Record<string, string> }).variables);
    // Each kind of token goes only to the function that checks it: the cache function never learns of the admin token.
    const tracing = ['CACHE_TRACING', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];
    expect(Object.keys(vars('cache')).sort()).toEqual(['CACHE_ENV', ...tracing, SECRET_ID_ENV.readToken, SECRET_ID_ENV.metricsToken, SECRET_ID_ENV.cache, SECRET_ID_ENV.guardrails].sort());
    expect(Object.keys(vars('admin')).sort()).toEqual(['CACHE_ENV', ...tracing, SECRET_ID_ENV.adminToken, SECRET_ID_ENV.cache, SECRET_ID_ENV.guardrails].sort());
    expect(Object.keys(vars('warmup')).sort()).toEqual(['CACHE_ENV', SECRET_ID_ENV.cache, SECRET_ID_ENV.guardrails].sort());
    expect(Object.keys(vars('audit')).sort()).toEqual([
      'CACHE_ENV', 'DEVELOPER_API_SECRET_ID', 'UPSTASH_CACHE_DATABASE_ID', 'UPSTASH_GUARDRAILS_DATABASE_ID',
      SECRET_ID_ENV.cache, SECRET_ID_ENV.guardrails,
    ].sort());
    expect(vars('cache')[SECRET_ID_ENV.cache]).toMatch(remote);
    expect(vars('audit').DEVELOPER_API_SECRET_ID).toMatch(remote);
    expect(vars('audit').UPSTASH_CACHE_DATABASE_ID)
      .toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-prod-data\.outputs\.[\w-]+database_id\}$/);
    expect(s.text).not.toMatch(/arn:aws:secretsmanager/); // never a copy-pasted ARN
  });

  it('traces every function actively; cache and admin export their spans to the ADOT collector layer of their region', () => {
    const fns = resources(s, 'aws_lambda_function');
    const byName = (name: string) => fns[Object.keys(fns).find((k) => k.startsWith(`${name}_`))!];
    for (const name of ['cache', 'admin', 'warmup', 'audit']) expect([name, byName(name).tracing_config]).toEqual([name, { mode: 'Active' }]);
    const layer = adotCollectorLayerArn(env.aws.region);
    expect(layer).toMatch(new RegExp(`^arn:aws:lambda:${env.aws.region}:\\d{12}:layer:aws-otel-collector-arm64-ver-[\\d-]+:\\d+$`));
    expect(['cache', 'admin', 'warmup', 'audit'].map((n) => byName(n).layers)).toEqual([[layer], [layer], undefined, undefined]);
    expect((byName('cache').environment as { variables: Record<string, string> }).variables.CACHE_TRACING).toBe('otlp');
    const xray = inlinePolicies(s).filter((p) => p.name === 'xray');
    expect(xray).toHaveLength(4);
    for (const p of xray) expect(p.statements).toEqual([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]);
  });

  it('each function reads only the secrets it needs (the audit also the Developer API key, for usage stats)', () => {
    const byRole = new Map<string, string[]>();
    for (const p of inlinePolicies(s)) byRole.set(p.role, [...(byRole.get(p.role) ?? []), p.name]);
    const reads = (name: 'cache' | 'admin' | 'warmup' | 'audit') =>
      (byRole.get(ref(stack.functions[name].role.role, 'name')) ?? []).filter((n) => n.startsWith('read-')).sort();
    expect(reads('cache')).toEqual(['read-cache-credentials', 'read-guardrails-credentials', 'read-metrics-token', 'read-read-token']);
    expect(reads('admin')).toEqual(['read-admin-token', 'read-cache-credentials', 'read-guardrails-credentials']);
    expect(reads('warmup')).toEqual(['read-cache-credentials', 'read-guardrails-credentials']);
    expect(reads('audit')).toEqual(['read-cache-credentials', 'read-developer-api-key', 'read-guardrails-credentials']);
    for (const p of inlinePolicies(s).filter((x) => x.name.startsWith('read-'))) {
      expect(p.statements[0].Resource).toMatch(remote);
    }
  });

  it('runs warmup and audit on their config schedules with retries and the dead-letter queue', () => {
    for (const job of ['warmup', 'audit'] as const) {
      expect(s.text).toHaveResourceWithProperties(SchedulerSchedule, {
        name: `clarivum-prod-${job}`,
        schedule_expression: env.schedules[job],
        target: expect.objectContaining({
          arn: ref(stack.functions[job].function, 'arn'),
          retry_policy: {
            maximum_retry_attempts: deployment.scheduler.maximumRetryAttempts,
            maximum_event_age_in_seconds: deployment.scheduler.maximumEventAgeSeconds,
          },
          dead_letter_config: { arn: ref(stack.schedules.deadLetterQueue, 'arn') },
        }),
      });
    }
  });

  it('lets the scheduler role invoke only the warmup and audit functions', () => {
    const scheduler = inlinePolicies(s).filter((p) => p.role === ref(stack.schedules.role.role, 'name'));
    const invoked = scheduler.flatMap((p) => p.statements).filter((st) => st.Action === 'lambda:InvokeFunction').flatMap((st) => [st.Resource].flat());
    expect(invoked.sort()).toEqual(['warmup', 'audit'].flatMap((n) => {
      const arn = ref(stack.functions[n as 'warmup' | 'audit'].function, 'arn');
      return [arn, `${arn}:*`];
    }).sort());
  });

  it('exposes the API id and function names for the observability stack', () => {
    expect(stack.apiId).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(stack.api.api.terraformResourceType).toBe('aws_apigatewayv2_api');
    expect(Object.keys(stack.functions).sort()).toEqual(['admin', 'audit', 'cache', 'warmup']);
  });
});
