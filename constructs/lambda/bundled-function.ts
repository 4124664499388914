import { CloudwatchLogGroup } from '@cdktn/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function';
import type { KmsKey } from '@cdktn/provider-aws/lib/kms-key';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission';
import { Lazy, TerraformAsset, AssetType, Token } from 'cdktn';
import { Construct } from 'constructs';
import { LOG_RETENTION_DAYS } from '../logs/log-retention';
import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';
import type { IGrantable } from '../iam/grantable';
import { ServiceRole } from '../iam/service-role';

/** The Lambda runtime every bundle targets (see `BUNDLE_TARGET`). */
// The newest Node.js runtime AWS provider 6.66 accepts: its runtime enum comes from aws-sdk-go-v2, which
// gained nodejs24.x in October 2025 (provider CHANGELOG 6.20.0, hashicorp/terraform-provider-aws#45024).
export const LAMBDA_RUNTIME = 'nodejs24.x';
export const LAMBDA_ARCHITECTURE = 'arm64';

/** Variables the Lambda service sets itself; a function may not override them. */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export interface BundledFunctionProps {
  /** Handler file, relative to the project root (e.g. `lambdas/cache/handler.ts`) or absolute. */
  readonly entry: string;
  /** Exported handler function in `entry`. @default 'handler' */
  readonly handlerExport?: string;
  /** Physical function name, 1 to 64 characters of `[A-Za-z0-9_-]`; also names the role and log group. */
  readonly functionName: string;
  /** @default - none */
  readonly description?: string;
  /** Memory in MB, 128 to 10240. @default 256 */
  readonly memoryMb?: number;
  /** Timeout in seconds, 1 to 900. @default 10 */
  readonly timeoutSeconds?: number;
  /** Reserved concurrency. @default - unreserved (account pool) */
  readonly reservedConcurrency?: number;
  /** Days CloudWatch keeps the function's logs; a value CloudWatch accepts. @default 30 */
  readonly logRetentionDays?: number;
  /** Customer managed key that encrypts the log group (its key policy must let CloudWatch Logs use it). @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: KmsKey;
  /** Environment variables (more can be added with `addEnvironment`). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Tracing: X-Ray active tracing always; the function's own spans when a collector layer is given. @default - active tracing, no collector */
  readonly tracing?: FunctionTracingProps;
}

export interface FunctionTracingProps {
  /**
   * ARN of an OpenTelemetry collector Lambda layer (the ADOT collector, which forwards OTLP to
   * X-Ray). With it the function's OpenTelemetry SDK exports its spans over OTLP/HTTP to
   * `localhost:4318` (`CACHE_TRACING=otlp`, see lambdas/shared/tracing.ts).
   * @default - none: only the segments Lambda's active tracing records itself
   */
  readonly collectorLayerArn?: string;
}

/** Port of the collector layer's OTLP/HTTP receiver. */
export const OTLP_HTTP_ENDPOINT = 'http://localhost:4318';
const LAYER_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;

/**
 * A Node.js arm64 Lambda whose code is bundled by esbuild at synth time into a deterministic,
 * content-addressed zip, with its own role (logs to its own log group only, X-Ray segments), a log
 * group with retention, and X-Ray active tracing (plus an OpenTelemetry collector layer on request).
 * Resources grant to it (`secret.grantRead(fn)`: it is an `IGrantable`); it grants invoking itself
 * (`grantInvoke`).
 */
export class BundledFunction extends Construct implements IGrantable {
  readonly function: LambdaFunction;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundle: LambdaBundle;
  readonly asset: TerraformAsset;
  private readonly variables: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const name = props.functionName;
    if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new Error(`BundledFunction functionName "${name}" must be 1 to 64 characters of [A-Za-z0-9_-]`);
    }
    const memoryMb = props.memoryMb ?? 256;
    if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240) {
      throw new Error(`BundledFunction ${name}: memoryMb must be an integer from 128 to 10240, got ${memoryMb}`);
    }
    const timeoutSeconds = props.timeoutSeconds ?? 10;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error(`BundledFunction ${name}: timeoutSeconds must be an integer from 1 to 900, got ${timeoutSeconds}`);
    }
    const retention = props.logRetentionDays ?? 30;
    if (!LOG_RETENTION_DAYS.includes(retention)) {
      throw new Error(`BundledFunction ${name}: logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${retention}`);
    }
    if (props.reservedConcurrency !== undefined && !(Number.isInteger(props.reservedConcurrency) && props.reservedConcurrency >= 0)) {
      throw new Error(`BundledFunction ${name}: reservedConcurrency must be an integer >= 0, got ${props.reservedConcurrency}`);
    }
    const collectorLayerArn = props.tracing?.collectorLayerArn;
    if (collectorLayerArn !== undefined && !Token.isUnresolved(collectorLayerArn) && !LAYER_ARN.test(collectorLayerArn)) {
      throw new Error(`BundledFunction ${name}: tracing.collectorLayerArn "${collectorLayerArn}" is not a Lambda layer version ARN`);
    }
    const handlerExport = props.handlerExport ?? 'handler';
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(handlerExport)) {
      throw new Error(`BundledFunction ${name}: handlerExport "${handlerExport}" is not an identifier`);
    }
    for (const [key, value] of Object.entries(props.environment ?? {})) this.addEnvironment(key, value);

    this.bundle = bundleLambda(props.entry);
    // The hash in the path makes the artifact content-addressed: changed code redeploys, unchanged never.
    this.asset = new TerraformAsset(this, 'code', {
      path: this.bundle.zipPath,
      type: AssetType.FILE,
      assetHash: this.bundle.sha256Hex,
    });

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${name}`,
      retentionInDays: retention,
      kmsKeyId: props.logEncryptionKey?.arn,
    });
    this.role = new ServiceRole(this, 'role', {
      roleName: `${name}-fn`,
      servicePrincipal: 'lambda.amazonaws.com',
      description: `Execution role of ${name}`,
    });
    // Own log group only: the managed AWSLambdaBasicExecutionRole would allow every log group.
    const logs = this.role.addPolicy('logs', [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:*`] },
    ]);

    // X-Ray accepts no resource-level permissions for writing segments: `*` is the only resource.
    const xray = this.role.addPolicy('xray', [
      { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
    ]);
    if (collectorLayerArn) {
      this.addEnvironment('CACHE_TRACING', 'otlp');
      this.addEnvironment('OTEL_EXPORTER_OTLP_ENDPOINT', OTLP_HTTP_ENDPOINT);
      this.addEnvironment('OTEL_SERVICE_NAME', name);
    }

    this.function = new LambdaFunction(this, 'function', {
      functionName: name,
      description: props.description,
      role: this.role.roleArn,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: `index.${handlerExport}`,
      filename: this.asset.path,
      // The provider compares this with the deployed code's base64 sha256; an asset hash would
      // never match and show a perpetual diff.
      sourceCodeHash: this.bundle.sha256Base64,
      memorySize: memoryMb,
      timeout: timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        variables: Lazy.anyValue({ produce: () => ({ ...this.variables }) }) as unknown as Record<string, string>,
      },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      tracingConfig: { mode: 'Active' },
      layers: collectorLayerArn ? [collectorLayerArn] : undefined,
      dependsOn: [this.logGroup, logs, xray],
    });
  }

  /** Grants given to the function go to its execution role. */
  get grantPrincipal(): ServiceRole {
    return this.role;
  }

  get functionName(): string {
    return this.function.functionName;
  }

  get functionArn(): string {
    return this.function.arn;
  }

  /** ARN API Gateway integrations use. */
  get invokeArn(): string {
    return this.function.invokeArn;
  }

  /** Adds an environment variable; names the Lambda service reserves are refused. */
  addEnvironment(key: string, value: string): void {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) throw new Error(`environment variable name "${key}" must match [A-Za-z][A-Za-z0-9_]*`);
    if (RESERVED_ENV.has(key)) throw new Error(`environment variable "${key}" is reserved by the Lambda service`);
    if (key in this.variables && this.variables[key] !== value) {
      throw new Error(`environment variable "${key}" is already set on ${this.node.path}`);
    }
    this.variables[key] = value;
  }

  /** Lets `grantee` invoke this function (and its versions) and nothing else. */
  grantInvoke(grantee: IGrantable, policyId = `invoke-${this.node.id}`): void {
    grantee.grantPrincipal.addPolicy(policyId, [
      { actions: ['lambda:InvokeFunction'], resources: [this.functionArn, `${this.functionArn}:*`] },
    ]);
  }

  /** Resource-based permission for a service principal, scoped to one source ARN. */
  allowInvokeFrom(id: string, principal: string, sourceArn: string): LambdaPermission {
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) {
      throw new Error(`allowInvokeFrom principal "${principal}" must be a service principal such as apigateway.amazonaws.com`);
    }
    return new LambdaPermission(this, `allow-${id}`, {
      functionName: this.function.functionName,
      action: 'lambda:InvokeFunction',
      principal,
      sourceArn,
    });
  }
}
