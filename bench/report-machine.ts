/** The machine a benchmark run measured, for the report: figures mean little without it. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem, type as osType, release, arch } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started (the machine may be shared). */
  readonly loadAverageAtStart: number;
  readonly os: string;
  readonly node: string;
  /** ISO time the run started. */
  readonly date: string;
  /** Commit the figures were measured on, with `+dirty` when the work tree had changes. */
  readonly commit: string;
}

function git(args: string[]): string | undefined {
  const out = spawnSync('git', args, { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

export function machineInfo(startedAt: Date): MachineInfo {
  const cpu = cpus();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = (git(['status', '--porcelain']) ?? '').length > 0;
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    os: `${osType()} ${release()} ${arch()}`,
    node: process.version,
    date: startedAt.toISOString(),
    commit: commit ? `${commit}${dirty ? '+dirty' : ''}` : 'unknown',
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, load ${m.loadAverageAtStart} at start`;
}
