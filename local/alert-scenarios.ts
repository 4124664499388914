/**
 * The faults of the on-call drill, each with the alert it must raise and the receiver it must
 * reach: an origin outage (5xx → CacheServiceHighErrorRate → pager), a client exhausting its rate
 * limit (429s → RateLimit429Surge → chat), the monthly quota past 55 % and 70 % read by the audit
 * (UpstashQuotaWarning → chat, UpstashQuotaCritical → pager) and Redis stopped (`/metrics` cannot
 * be served → CacheServiceDown → pager). The first three run side by side; Redis last, alone.
 */
import { drill, startTraffic, type DrillResult, type DrillStack } from './alert-drill';

export interface DrillOptions {
  /** Per alert, fault → page and heal → resolved. Generous: a busy machine. */
  readonly timeoutMs: number;
}

export async function runAlertDrills(s: DrillStack, opts: DrillOptions): Promise<DrillResult[]> {
  const m = s.monitoring;
  const url = s.dev.url;
  // Steady reads of new marketing pages (every one a miss) give the error ratio a denominator.
  const background = startTraffic(url, { perSecond: 4, path: (n) => `/c/marketing/drill/page-${n}` });
  try {
    await waitSeconds(3 * m.intervalSeconds); // a few scrapes of healthy traffic first

    const originOutage = drill(m, {
      alert: 'CacheServiceHighErrorRate', receiver: 'pager', timeoutMs: opts.timeoutMs,
      inject: async () => s.dev.demoOrigin.setFailure(503),
      heal: async () => s.dev.demoOrigin.setFailure(undefined),
    });

    let surge: ReturnType<typeof startTraffic> | undefined;
    const rateLimit = drill(m, {
      alert: 'RateLimit429Surge', receiver: 'chat', timeoutMs: opts.timeoutMs,
      inject: async () => {
        // One client (this process) spends the api bucket (300 a minute), then keeps asking.
        await burst(url, 320, (n) => `/c/api/drill/surge-${n % 20}`);
        surge = startTraffic(url, { perSecond: 10, path: (n) => `/c/api/drill/surge-${n % 20}` });
      },
      heal: async () => surge?.stop(),
    });

    const quota = (async () => {
      const quotaDrill = (alert: string, receiver: 'chat' | 'pager', ratio: number) => drill(m, {
        alert, receiver, timeoutMs: opts.timeoutMs,
        inject: async () => { s.setCacheQuotaUse(ratio); await s.runAudit(); },
        heal: async () => { s.setCacheQuotaUse(0.1); await s.runAudit(); },
      });
      const warning = await quotaDrill('UpstashQuotaWarning', 'chat', 0.6);
      const critical = await quotaDrill('UpstashQuotaCritical', 'pager', 0.75);
      return [warning, critical];
    })();

    const results = [await originOutage, await rateLimit, ...(await quota)];
    await background.stop();

    const redis = s.dev.redisProcesses;
    if (redis.length === 0) throw new Error('the drill needs the dev server to run its own redis-server (unset REDIS_URL)');
    results.push(await drill(m, {
      alert: 'CacheServiceDown', receiver: 'pager', timeoutMs: opts.timeoutMs,
      inject: () => Promise.all(redis.map((r) => r.stop())),
      heal: () => Promise.all(redis.map((r) => r.restart())),
    }));
    return results;
  } finally {
    await background.stop();
  }
}

async function burst(baseUrl: string, count: number, path: (n: number) => string, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = next++;
      await fetch(`${baseUrl}${path(n)}`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer(), () => undefined);
    }
  }));
}

const waitSeconds = (s: number) => new Promise<void>((r) => setTimeout(r, s * 1000));
