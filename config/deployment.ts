import type { DeploymentConfig, EnvironmentConfig } from './types';

/**
 * Deployed runtime settings every environment starts from. The cache function gets the most
 * memory (CPU on arm64 scales with it, and it gunzips/hashes payloads); jobs run longer but rarely.
 */
export const DEFAULT_DEPLOYMENT: DeploymentConfig = {
  namePrefix: 'clarivum',
  lambdas: {
    cache: { memoryMb: 512, timeoutSeconds: 15 },
    admin: { memoryMb: 256, timeoutSeconds: 15 },
    warmup: { memoryMb: 256, timeoutSeconds: 300 },
    // The audit spends up to 600 s per run (AUDIT_BUDGET_SECONDS) and resumes where it stopped.
    audit: { memoryMb: 256, timeoutSeconds: 900 },
    rotation: { memoryMb: 256, timeoutSeconds: 60 },
  },
  api: {
    throttling: { rateLimit: 500, burstLimit: 1_000 },
    adminThrottling: { rateLimit: 10, burstLimit: 20 },
    adminIamAuthorization: false,
  },
  scheduler: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3_600, deadLetterRetentionSeconds: 14 * 86_400 },
};

/** The deployment settings of an environment, falling back to `DEFAULT_DEPLOYMENT`. */
export function deploymentOf(env: EnvironmentConfig): DeploymentConfig {
  return env.deployment ?? DEFAULT_DEPLOYMENT;
}
