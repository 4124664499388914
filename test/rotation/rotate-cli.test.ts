/**
 * `npm run rotate`: usage errors exit 2, status shows the schedule, a rotation is followed step by
 * step, a stuck one exits 1 with where to look, and running again resumes it.
 */
import { main, STATUS_NEEDS_ATTENTION } from '../../cli/rotate';
import { enableAndSeed, startRotationHarness, type RotationHarness } from './harness';

let h: RotationHarness;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runAt(Date.now, ...argv);
}

async function runAt(now: () => number, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { client: h.client, out: (l) => out.push(l), err: (l) => err.push(l), pollMs: 10, now });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  h = await startRotationHarness({ strategy: 'reset-password', stepDelayMs: 20 });
});

afterAll(async () => {
  await h?.stop();
});

describe('npm run rotate', () => {
  it('prints help and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run rotate -- --env <env> --database <cache\|guardrails>/);
    expect(out).toContain('--status');
  });

  it.each([
    [[], '--env is required'],
    [['--env', 'dev'], '--database is required'],
    [['--env', 'qa', '--database', 'cache'], '--env must be one of dev, staging, prod, got "qa"'],
    [['--env', 'dev', '--database', 'sessions'], '--database must be one of cache, guardrails, got "sessions"'],
    [['--env', 'dev', '--database', 'cache', '--timeout', 'soon'], '--timeout must be a duration such as 90s, 15m, 1h or 7d, got "soon"'],
    [['--env', 'dev', '--database', 'cache', '--force'], "Unknown option '--force'"],
  ])('rejects %j with exit 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage:');
  });

  it('shows the state before rotation is enabled and exits 3: it needs attention', async () => {
    const { code, out } = await run('--env', 'dev', '--database', 'cache', '--status');
    expect(code).toBe(STATUS_NEEDS_ATTENTION);
    expect(out).toMatch(/Verdict\s+needs attention: rotation is not enabled$/m);
    expect(out).toMatch(/Rotation\s+not enabled/);
    expect(out).toMatch(/Last rotated\s+never/);
    expect(out).toMatch(/Strategy\s+reset-password/);
  });

  it('shows the last and next rotation once seeded', async () => {
    await enableAndSeed(h);
    const { code, out } = await run('--env', 'dev', '--database', 'cache', '--status');
    expect(code).toBe(0);
    expect(out).toMatch(/Rotation\s+enabled, schedule cron\(0 8 1 JAN,APR,JUL,OCT \? \*\)/);
    expect(out).toMatch(/Last rotated\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(today\)/);
    expect(out).toMatch(/Next scheduled\s+\d{4}-(01|04|07|10)-01T08:00:00Z/);
    expect(out).toMatch(/In progress\s+none/);
    expect(out).toMatch(/Verdict\s+ok$/m);
    expect(out).not.toContain(h.current().token);
  });

  it('exits 3 when the rotation is overdue: past its schedule and older than the alert\'s limit', async () => {
    const later = Date.now() + 101 * 86_400_000;
    const { code, out } = await runAt(() => later, '--env', 'dev', '--database', 'cache', '--status');
    expect(code).toBe(STATUS_NEEDS_ATTENTION);
    expect(out).toMatch(/Verdict\s+needs attention: overdue: last rotated 101 days ago \(limit 100\); overdue: the rotation scheduled for \d{4}-\d\d-01T08:00:00Z did not happen/);
  });

  it('starts a rotation and follows it to AWSCURRENT', async () => {
    const before = h.current().token;
    const { code, out, err } = await run('--env', 'dev', '--database', 'cache');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/rotation started: new version [0-9a-f-]{36}/);
    expect(out).toContain('✓ createSecret');
    expect(out).toContain('✓ finishSecret');
    expect(out).toMatch(/Rotation finished in \d+\.\d s/);
    expect(h.current().token).not.toBe(before);
    expect(out).not.toContain(h.current().token);
    // The real SDK filled in the idempotency token of RotateSecret.
    const rotate = h.fake.calls.filter((c) => c.operation === 'RotateSecret').at(-1);
    expect(rotate?.input).toEqual({ SecretId: 'clarivum/dev/upstash/cache', ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('exits 1 naming the function logs when the rotation does not finish, and resumes it when run again', async () => {
    h.crashAfter('setSecret');
    const stuck = await run('--env', 'dev', '--database', 'cache', '--timeout', '1s');
    h.crashAfter(undefined);
    expect(stuck.code).toBe(1);
    expect(stuck.err).toContain('rotation not finished after 1 s');
    expect(stuck.err).toContain('/aws/lambda/clarivum-dev-rotation');
    const status = await run('--env', 'dev', '--database', 'cache', '--status');
    expect(status.out).toMatch(/In progress\s+version [0-9a-f-]{36} \(AWSPENDING\): a rotation is unfinished/);
    expect(status.code).toBe(STATUS_NEEDS_ATTENTION);
    expect(status.out).toMatch(/Verdict\s+needs attention: a rotation is unfinished/);

    const resumed = await run('--env', 'dev', '--database', 'cache');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('a previous rotation was unfinished; Secrets Manager reattempts it');
    expect(resumed.out).toContain('✓ finishSecret');
    const stuckVersion = /new version ([0-9a-f-]{36})/.exec(stuck.out)?.[1];
    expect(resumed.out).toContain(`version ${stuckVersion} is AWSCURRENT`);
  });

  it('exits 1 with a clear message when the secret does not exist', async () => {
    const { code, err } = await run('--env', 'staging', '--database', 'guardrails', '--status');
    expect(code).toBe(1);
    expect(err).toBe("error: secret clarivum/staging/upstash/guardrails not found in eu-central-1: deploy the environment's secrets stack first");
  });
});
