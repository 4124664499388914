import { App } from 'cdktn';
import { DEV_REMOTE_BACKEND, ENVIRONMENT_NAMES, environment, validateEnvironment, type EnvironmentConfig } from './config';
import { DataStack } from './stacks/data-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { RuntimeStack } from './stacks/runtime-stack';
import { SecretsStack } from './stacks/secrets-stack';

export interface AppConfig {
  /** Environments to build stacks for. @default all of dev, staging, prod */
  readonly environments?: readonly EnvironmentConfig[];
  /** Output directory. @default cdktf.out (or CDKTF_OUTDIR when cdktf-cli runs the app) */
  readonly outdir?: string;
}

export interface EnvironmentStacks {
  readonly data: DataStack;
  readonly secrets: SecretsStack;
  readonly runtime: RuntimeStack;
  readonly observability: ObservabilityStack;
}

/** Builds every stack of every environment. No side effects: call `app.synth()` to write output. */
export function buildApp(config: AppConfig = {}): { app: App; stacks: Record<string, EnvironmentStacks> } {
  const app = new App(config.outdir ? { outdir: config.outdir } : {});
  // Environments passed in are validated too: a bad value fails synth naming field and value.
  const envs = config.environments?.map(validateEnvironment) ?? ENVIRONMENT_NAMES.map((name) => environment(name));
  const stacks: Record<string, EnvironmentStacks> = {};
  for (const env of envs) {
    // Constructs flow between stacks; cdktn turns each use into an output and a remote-state read.
    const data = new DataStack(app, `${env.name}-data`, { env });
    const secrets = new SecretsStack(app, `${env.name}-secrets`, { env, data });
    const runtime = new RuntimeStack(app, `${env.name}-runtime`, { env, data, secrets });
    const observability = new ObservabilityStack(app, `${env.name}-observability`, { env });
    stacks[env.name] = { data, secrets, runtime, observability };
  }
  return { app, stacks };
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { printSynthSummary } = require('./scripts/synth-summary') as typeof import('./scripts/synth-summary');
  const started = Date.now();
  // DEV_STATE=s3: dev on the same encrypted S3 backend as staging and prod (local state holds credentials).
  const devState = process.env.DEV_STATE ?? 'local';
  if (devState !== 'local' && devState !== 's3') throw new Error(`DEV_STATE must be local or s3, got "${devState}"`);
  const environments = ENVIRONMENT_NAMES.map((name) => environment(name))
    .map((env) => (env.name === 'dev' && devState === 's3' ? { ...env, backend: DEV_REMOTE_BACKEND } : env));
  const { app } = buildApp({ environments });
  app.synth();
  printSynthSummary(app.outdir, Date.now() - started);
}
