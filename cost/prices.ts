/**
 * The one place for list prices and service limits the cost figures use, each with where it was
 * read and when. The benchmark (`bench/cost.bench.ts`), the capacity model (`./capacity-model.ts`)
 * and `docs/capacity.md` read them from here; change a number here and re-render the document
 * (`npm run render:capacity`, a test fails while it is stale).
 *
 * AWS prices are the published us-east-1 list prices (the environments run in eu-central-1, whose
 * prices are a little higher and were not read here); Upstash prices are global.
 */

/** A figure with its source. */
export interface Cited {
  readonly value: number;
  /** What the figure is, in words, for the document. */
  readonly what: string;
  readonly source: string;
  /** When the source was read (or the date it states). */
  readonly asOf: string;
}

const UPSTASH_BILLING = 'https://upstash.com/docs/redis/overall/billing';
const UPSTASH_PRICING = 'https://upstash.com/pricing/redis';
const LAMBDA_PRICING = 'https://aws.amazon.com/lambda/pricing/';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const API_PRICING = 'https://aws.amazon.com/api-gateway/pricing/';
const API_QUOTAS = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const READ_ON = '2026-12-06';

export const PRICES = {
  upstashCommand: {
    value: 0.2 / 100_000, what: 'Upstash Redis pay-as-you-go, USD per command ($0.20 per 100K commands)',
    source: UPSTASH_BILLING, asOf: READ_ON,
  },
  upstashBandwidthFreeGbPerMonth: {
    value: 200, what: 'Upstash pay-as-you-go bandwidth free per database and month, GB', source: UPSTASH_BILLING, asOf: READ_ON,
  },
  upstashBandwidthGb: {
    value: 0.03, what: 'Upstash pay-as-you-go bandwidth beyond the free 200 GB, USD per GB', source: UPSTASH_BILLING, asOf: READ_ON,
  },
  lambdaRequest: {
    value: 0.2 / 1_000_000, what: 'AWS Lambda, USD per request ($0.20 per 1M)', source: LAMBDA_PRICING, asOf: READ_ON,
  },
  lambdaArmGbSecond: {
    value: 0.0000133334, what: 'AWS Lambda arm64, USD per GB-second (first 7.5 billion GB-s a month)', source: LAMBDA_PRICING, asOf: READ_ON,
  },
  httpApiRequest: {
    value: 1 / 1_000_000, what: 'API Gateway HTTP API, USD per request ($1.00 per 1M, first 300M a month; metered per 512 KB)',
    source: API_PRICING, asOf: READ_ON,
  },
} as const satisfies Record<string, Cited>;

/** Per-database limits of one Upstash plan; undefined where the source states none. */
export interface UpstashPlanLimits {
  readonly plan: string;
  readonly maxCommandsPerSecond: number;
  readonly maxRequestBytes?: number;
  readonly maxDataBytes: number;
  readonly monthlyCommands?: number;
  readonly monthlyBandwidthGb?: number;
  readonly source: string;
  readonly asOf: string;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const UPSTASH_PLANS: readonly UpstashPlanLimits[] = [
  {
    plan: 'free', maxCommandsPerSecond: 10_000, maxRequestBytes: 10 * MB, maxDataBytes: 256 * MB,
    monthlyCommands: 500_000, monthlyBandwidthGb: 10, source: UPSTASH_BILLING, asOf: READ_ON,
  },
  {
    // Bandwidth is not capped: 200 GB a month free, then billed (PRICES.upstashBandwidthGb).
    plan: 'pay-as-you-go', maxCommandsPerSecond: 10_000, maxDataBytes: 100 * GB, source: UPSTASH_BILLING, asOf: READ_ON,
  },
  {
    // The fixed plans' command rate is not stated on the pages read; the pay-as-you-go rate is assumed.
    plan: 'fixed 250 MB ($10/month)', maxCommandsPerSecond: 10_000, maxDataBytes: 250 * MB, monthlyBandwidthGb: 50,
    source: UPSTASH_PRICING, asOf: '2026-09-20',
  },
];

export const AWS_LIMITS = {
  lambdaConcurrency: {
    value: 1_000, what: 'Lambda concurrent executions per account and Region (default quota, can be raised)', source: LAMBDA_QUOTAS, asOf: READ_ON,
  },
  httpApiRps: {
    value: 10_000, what: 'API Gateway throttle per account and Region across all APIs, requests per second (default quota)',
    source: API_QUOTAS, asOf: READ_ON,
  },
  httpApiBurst: {
    value: 5_000, what: 'API Gateway burst (token bucket capacity) per account and Region', source: API_QUOTAS, asOf: READ_ON,
  },
} as const satisfies Record<string, Cited>;
