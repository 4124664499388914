/**
 * Renders `docs/capacity.md` from the capacity model, the prices and the request profile:
 * `npm run render:capacity` writes it; `test/cost/capacity-doc.test.ts` fails while it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environment } from '../config/environments';
import type { EnvironmentConfig } from '../config/types';
import { bindingLimits, capacity, DEFAULT_PARAMETERS, dollarsPerMillion, type ModelParameters, type Scenario } from './capacity-model';
import { AWS_LIMITS, PRICES, UPSTASH_PLANS, type Cited } from './prices';
import { REQUEST_KINDS, REQUEST_KIND_NAMES } from './request-kinds';
import { REQUEST_PROFILE } from './request-profile';

export const CAPACITY_DOC = join(__dirname, '..', 'docs', 'capacity.md');

const RATES = [100, 1_000, 3_000, 10_000];
const MIXES: readonly Omit<Scenario, 'requestsPerSecond'>[] = [
  { hitRatio: 0.95, pageBytes: 30_000 },
  { hitRatio: 0.8, pageBytes: 100_000 },
];

const n = (v: number, digits = 0): string => v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (v: number): string => `$${v >= 100 ? n(v) : n(v, 2)}`;
const cite = (c: { source: string; asOf: string }): string => `[source](${c.source}), ${c.asOf}`;
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

function pricesSection(): string[] {
  const cited: Cited[] = [...Object.values(PRICES), ...Object.values(AWS_LIMITS)];
  const plans = UPSTASH_PLANS.map((p) => row([p.plan, n(p.maxCommandsPerSecond), p.maxRequestBytes ? `${n(p.maxRequestBytes / 2 ** 20)} MB` : 'not stated',
    p.maxDataBytes >= 2 ** 30 ? `${n(p.maxDataBytes / 2 ** 30)} GB` : `${n(p.maxDataBytes / 2 ** 20)} MB`, p.monthlyCommands ? n(p.monthlyCommands) : 'unlimited', p.monthlyBandwidthGb ? `${n(p.monthlyBandwidthGb)} GB` : 'billed beyond 200 GB',
    cite(p)]));
  return [
    '## Prices and limits used', '',
    'From `cost/prices.ts`, the one place they are written. AWS prices are us-east-1 list prices (the',
    'environments run in eu-central-1, a little dearer); change them there and re-render.', '',
    row(['figure', 'value', 'source']), row(['---', '---', '---']),
    ...cited.map((c) => row([c.what, String(Number(c.value.toPrecision(6))), cite(c)])), '',
    'Upstash limits per database:', '',
    row(['plan', 'max commands/s', 'max request size', 'max data size', 'monthly commands', 'monthly bandwidth', 'source']),
    row(['---', '---', '---', '---', '---', '---', '---']),
    ...plans, '',
    'The fixed plans\' command rate is not stated on the pages read; the model assumes the pay-as-you-go',
    '10,000 commands/s. The cache function stores entries up to `maxItemBytes` (1 MiB), far below the',
    '10 MB request size, so the request size never binds.', '',
  ];
}

function kindsSection(env: EnvironmentConfig, p: ModelParameters): string[] {
  return [
    '## Cost per request kind', '',
    `Billed Upstash commands per request (\`cost/request-profile.ts\`, measured by \`bench/cost.bench.ts\` and checked by a`,
    `test), and dollars per million requests in \`${env.name}\` at an Upstash round trip of ${p.upstashRttMs} ms and an origin of ${p.originMs} ms.`, '',
    row(['request', 'cache db', 'guardrails db', 'Upstash $/M', 'Lambda $/M', 'HTTP API $/M', 'total $/M']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...REQUEST_KIND_NAMES.map((k) => {
      const d = dollarsPerMillion(k, env, p);
      return row([REQUEST_KINDS[k].label, String(REQUEST_PROFILE[k].cache), String(REQUEST_PROFILE[k].guardrails), usd(d.upstash), usd(d.lambda), usd(d.httpApi), usd(d.total)]);
    }), '',
    'The metrics flush is per instance, not per request: at most one script every',
    `${p.flushIntervalMs / 1000} s while an instance serves. An instance serving r requests per second adds 1/(r × ${p.flushIntervalMs / 1000}) commands per`,
    'request (0.002 at 100 requests per second, 0.2 at 1). The popular-request counts ride in it.', '',
  ];
}

function scenarioSection(env: EnvironmentConfig, mix: Omit<Scenario, 'requestsPerSecond'>, p: ModelParameters): string[] {
  const figures = RATES.map((r) => capacity({ ...mix, requestsPerSecond: r }, env, p));
  return [
    `### ${n(mix.hitRatio * 100)} % hits, ${n(mix.pageBytes / 1000)} KB pages`, '',
    row(['reads/s', 'cache cmds/s', 'cache MB/s', 'guardrails cmds/s', 'Lambda concurrency', 'HTTP API req/s', 'Upstash $/month', 'Lambda $/month', 'HTTP API $/month', 'total $/month']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...figures.map((f) => row([n(f.scenario.requestsPerSecond), n(f.cache.commandsPerSecond), n(f.cache.bytesPerSecond / 1e6, 1),
      n(f.guardrails.commandsPerSecond, 1), n(f.lambdaConcurrency, 1), n(f.httpApiRequestsPerSecond),
      usd(f.monthlyUsd.upstash), usd(f.monthlyUsd.lambda), usd(f.monthlyUsd.httpApi), usd(f.monthlyUsd.total)])), '',
    'Limits, in the order they bind:', '',
    row(['limit', 'binds at reads/s', 'source']), row(['---', '---:', '---']),
    ...bindingLimits(mix, env, p).map((l) => row([l.limit, n(l.bindsAtRps), l.source.startsWith('http') ? `[source](${l.source})` : l.source])), '',
  ];
}

export function renderCapacity(envName = 'prod', p: ModelParameters = DEFAULT_PARAMETERS): string {
  const env = environment(envName);
  return [
    '# Capacity and cost', '',
    '<!-- Generated by `npm run render:capacity` from cost/ (prices, request profile, model). Do not edit. -->', '',
    'What the platform costs and where it stops, from the same figures the benchmark measures: billed',
    'Upstash commands per request kind (counted at the local Upstash-compatible server the way Upstash',
    'bills: each command of a pipeline, a script as one), list prices with their sources, and the',
    `deployed settings of \`${env.name}\`.`, '',
    '## Parameters', '',
    `- Upstash round trip from the function: ${p.upstashRttMs} ms (same region; each sequential round trip adds it to a request's duration).`,
    `- Origin time on a miss: ${p.originMs} ms; in-function compute per request: ${p.computeMs} ms.`,
    `- Metrics flush interval: ${p.flushIntervalMs / 1000} s per instance; entry overhead over the page: ${p.entryOverheadBytes} bytes.`,
    '- Reads are marketing hits and misses (the default, origin-bound rate limit); a hit is one `MGET`, a miss',
    '  also takes the refresh lock, stores the entry and counts the rate limit. A miss is priced as a',
    '  never-read page, the dearest (its generation mirror is read from the guardrails database and',
    '  reinstalled); an expired page read before costs what a stale read costs. 30-day months.', '',
    ...pricesSection(),
    ...kindsSection(env, p),
    `## Load, cost and binding limits in ${env.name}`, '',
    ...MIXES.flatMap((mix) => scenarioSection(env, mix, p)),
    '## When a limit binds', '',
    '- **HTTP API stage throttle** (the first to bind in prod): raise `deployment.api.throttling` in',
    '  `config/environments.ts` up to the account quota; beyond 10,000 rps ask AWS for a quota increase.',
    '- **Lambda concurrency**: raise the cache function\'s reserved concurrency; the account quota of',
    '  1,000 can be raised by a quota request. Fewer sequential round trips (hits are one) keep it low.',
    '- **Commands per second on the cache database**: give the busiest surfaces a cache database of their',
    '  own with `upstash.cacheShards` in `config/environments.ts` (the database, its rotated secret, the',
    '  grants, the warmup, the audit and the invalidation paths follow); a hit stays one command on one database.',
    '- **Commands per second on the guardrails database**: keep busy surfaces origin-bound (hits send',
    '  nothing there), or raise the flush interval.', '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(CAPACITY_DOC, renderCapacity());
  process.stdout.write(`wrote ${CAPACITY_DOC}\n`);
}
