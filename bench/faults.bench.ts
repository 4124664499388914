/**
 * Reliability under faults, as figures (a target of report-targets.ts): the scenarios of
 * `test/faults/scenarios.ts` — Redis killed and restarted, Redis slowed past its timeout, the
 * Upstash-compatible server answering 500s and garbage, the origin failing, stalling, resetting and
 * oversize — each on its own local stack under steady read load. Reported: read-path 5xx (target
 * 0), time to recover, requests served BYPASS and STALE, admin requests claimed done while Redis
 * was unavailable (target 0). `SOAK=1` runs longer faults, three times each.
 * Run: `npx tsx bench/faults.bench.ts`.
 */
import { REDIS_FAULTS, runOriginFaults, runRedisFault, type OriginFaultFigures, type RedisFaultFigures } from '../test/faults/scenarios';

export interface FaultsBenchResult {
  readonly soak: boolean;
  readonly redis: readonly RedisFaultFigures[];
  readonly origin: OriginFaultFigures;
  readonly summary: {
    /** Read-path 5xx across every Redis fault run (target 0). */
    readonly read5xxFromRedisFaults: number;
    readonly transportErrors: number;
    readonly requests: number;
    readonly bypassServed: number;
    readonly staleServed: number;
    /** Slowest recovery, fault cleared → read served through Redis again; null if one never recovered. */
    readonly maxRecoverMs: number | null;
    readonly recoverMsByFault: Readonly<Record<string, number | null>>;
    /** Admin requests answered 2xx while Redis could not do them (target 0). */
    readonly adminClaimedDone: number;
    readonly adminRefused: number;
    /** 5xx while a stale copy existed (target 0). */
    readonly originFiveXxWithStale: number;
  };
}

export async function run(): Promise<FaultsBenchResult> {
  const soak = process.env.SOAK === '1';
  const rounds = soak ? 3 : 1;
  const redis: RedisFaultFigures[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, fault] of REDIS_FAULTS.entries()) {
      redis.push(await runRedisFault(fault, { faultMs: soak ? 15_000 : 2_500, ipBlock: round * REDIS_FAULTS.length + i + 1 }));
    }
  }
  const origin = await runOriginFaults();
  const recovers = redis.map((r) => r.recoverMs);
  const recoverMsByFault: Record<string, number | null> = {};
  for (const r of redis) {
    const prev = recoverMsByFault[r.scenario];
    recoverMsByFault[r.scenario] = r.recoverMs === null || prev === null ? null : Math.round(Math.max(prev ?? 0, r.recoverMs));
  }
  const result: FaultsBenchResult = {
    soak,
    redis,
    origin,
    summary: {
      read5xxFromRedisFaults: redis.reduce((n, r) => n + r.read5xx, 0),
      transportErrors: redis.reduce((n, r) => n + r.transportErrors, 0),
      requests: redis.reduce((n, r) => n + r.requests, 0),
      bypassServed: redis.reduce((n, r) => n + r.served.BYPASS, 0),
      staleServed: origin.staleServed,
      maxRecoverMs: recovers.some((r) => r === null) ? null : Math.round(Math.max(...(recovers as number[]))),
      recoverMsByFault,
      adminClaimedDone: redis.reduce((n, r) => n + r.adminClaimedDoneDuringFault, 0),
      adminRefused: redis.reduce((n, r) => n + r.adminDuringFault.filter((a) => a.status === 503).length, 0),
      originFiveXxWithStale: origin.fiveXxWithStale,
    },
  };
  console.log(`faults${soak ? ' (SOAK)' : ''}: each under steady read load on its own local stack`);
  for (const r of redis) {
    console.log(`  ${r.scenario.padEnd(16)} ${String(r.requests).padStart(5)} reads, ${String(r.requestsDuringFault).padStart(4)} during ${r.faultMs} ms fault:`
      + ` 5xx ${r.read5xx}, BYPASS ${r.servedDuringFault.BYPASS}, p99 ${r.p99MsDuringFault} ms; recovered in ${r.recoverMs === null ? 'never' : `${Math.round(r.recoverMs)} ms`};`
      + ` admin ${r.adminDuringFault.map((a) => a.status).join('/')} during, ${r.adminAfterRecovery} after; /readyz ${r.readyzDuringFault} → ${r.readyzAfterRecovery}`);
  }
  console.log(`  origin faults: STALE served ${origin.staleServed}, 5xx with a stale copy ${origin.fiveXxWithStale}, 502 without one ${origin.fiveXxWithoutStale}`);
  return result;
}

if (require.main === module) {
  run().then((r) => { process.exitCode = r.summary.read5xxFromRedisFaults === 0 && r.summary.adminClaimedDone === 0 ? 0 : 1; }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
