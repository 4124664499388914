import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ENVIRONMENTS } from '../../config';
import { LAMBDA_RUNTIME } from '../../constructs/lambda/bundled-function';

const DIR = join(__dirname, '..', '..', '.github', 'workflows');

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; shell?: string }
interface Job {
  'runs-on'?: string; needs?: string | string[]; if?: string; uses?: string; with?: Record<string, unknown>;
  permissions?: Record<string, string>; steps?: Step[]; strategy?: { matrix?: Record<string, unknown> }; environment?: string;
}
interface Workflow { name: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> }

/** Parses strictly: YAML errors and warnings (duplicate keys, bad indentation) fail the test. */
function load(file: string): Workflow {
  const doc = parseDocument(readFileSync(join(DIR, file), 'utf8'), { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => `${file}: ${e.message}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return doc.toJS() as Workflow;
}

const steps = (job: Job): Step[] => job.steps ?? [];
const runs = (job: Job): string => steps(job).map((s) => s.run ?? '').join('\n');
const usesAction = (job: Job, action: string): Step | undefined => steps(job).find((s) => s.uses?.startsWith(`${action}@`));
const idTokenWrite = (w: Workflow, job: Job): boolean => (job.permissions ?? w.permissions)?.['id-token'] === 'write';

describe('GitHub workflows', () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

  it('are the CI, deploy and rotation-status workflows', () => {
    expect(files).toEqual(['ci.yml', 'deploy.yml', 'rotation-status.yml']);
  });

  it.each(files)('%s parses strictly and gives each job a runner or a reusable workflow', (file) => {
    const w = load(file);
    expect(typeof w.name).toBe('string');
    expect(Object.keys(w.jobs).length).toBeGreaterThan(0);
    for (const [id, job] of Object.entries(w.jobs)) {
      expect([id, Boolean(job['runs-on']) !== Boolean(job.uses)]).toEqual([id, true]);
      for (const step of steps(job)) expect(Boolean(step.uses) !== Boolean(step.run)).toBe(true);
    }
    expect(w.permissions).toBeDefined(); // least privilege for GITHUB_TOKEN, never the broad default
  });

  it('pins every action to a full commit SHA with its release in a comment, the same SHA everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of files) {
      const lines = readFileSync(join(DIR, file), 'utf8').split('\n').filter((l) => /^\s*(- )?uses: /.test(l));
      for (const line of lines.filter((l) => !/uses: \.\//.test(l))) {
        const pin = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect([file, line.trim(), Boolean(pin)]).toEqual([file, line.trim(), true]);
        pins.set(pin![1], (pins.get(pin![1]) ?? new Set()).add(`${pin![2]} ${pin![3]}`));
      }
    }
    expect(pins.size).toBeGreaterThanOrEqual(4);
    for (const [action, versions] of pins) expect([action, versions.size]).toEqual([action, 1]);
  });

  it('runs cdktn on Node 22 or newer and the tests on the functions\' Node major', () => {
    const functionsMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)![1];
    const ci = load('ci.yml');
    expect((ci.jobs.test.strategy?.matrix as { node: string[] }).node).toContain(functionsMajor);
    const nodeOf = (w: Workflow, job: Job): number => {
      const v = String(usesAction(job, 'actions/setup-node')?.with?.['node-version']);
      return Number(v === '${{ env.NODE_VERSION }}' ? (w as unknown as { env: Record<string, string> }).env.NODE_VERSION : v);
    };
    expect(nodeOf(ci, ci.jobs.diff)).toBeGreaterThanOrEqual(22);
    const deploy = load('deploy.yml');
    expect(nodeOf(deploy, deploy.jobs.deploy)).toBeGreaterThanOrEqual(22);
  });

  it.each(files)('%s installs like .ci/run (npm ci refuses this lockfile: other platforms\' optional binaries are missing)', (file) => {
    const ciRun = readFileSync(join(__dirname, '..', '..', '.ci', 'run'), 'utf8');
    const install = /^npm install .*$/m.exec(ciRun)?.[0];
    expect(install).toBeDefined();
    const w = load(file);
    for (const [id, job] of Object.entries(w.jobs)) {
      for (const line of runs(job).split('\n').filter((l) => /\bnpm (ci|install|i)\b/.test(l))) expect([id, line.trim()]).toEqual([id, install]);
    }
  });

  it('ci: tests on pull requests and pushes to main, diff on pull requests, deploy on main', () => {
    const w = load('ci.yml');
    expect(w.on).toEqual({ pull_request: null, push: { branches: ['main'] } });
    expect(runs(w.jobs.test)).toMatch(/npm install --no-audit --no-fund/);
    expect(runs(w.jobs.test)).toMatch(/npm test/);

    const diff = w.jobs.diff;
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    expect(diff.needs).toBe('test');
    expect(runs(diff)).toMatch(/npx cdktn diff --skip-synth '\$\{\{ matrix\.env \}\}-\$\{\{ matrix\.stack \}\}' 2>&1 \| tee diff\.txt/);
    expect(runs(diff)).toMatch(/>> "\$GITHUB_STEP_SUMMARY"/); // the plan is readable on the pull request
    expect(steps(diff).find((s) => s.run?.includes('cdktn diff'))?.shell).toBe('bash'); // pipefail: a failing diff fails
    // Committed lock files go in after synth and before init; a new or changed one fails the check.
    const order = ['npx cdktn synth', 'terraform-locks.sh restore', 'cdktn diff', 'terraform-locks.sh check'].map((cmd) => steps(diff).findIndex((s) => s.run?.includes(cmd)));
    expect(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]))).toBe(true);
    expect(diff.strategy?.matrix).toEqual({ env: ['staging', 'prod'], stack: ['data', 'secrets', 'runtime', 'observability'] });
    expect(idTokenWrite(w, diff)).toBe(true);
    expect(usesAction(diff, 'aws-actions/configure-aws-credentials')?.with?.['role-to-assume']).toMatch(/vars\.AWS_PLAN_ROLE_ARN/);

    expect(w.jobs['deploy-staging']).toMatchObject({
      if: "github.event_name == 'push' && github.ref == 'refs/heads/main'",
      needs: 'test', uses: './.github/workflows/deploy.yml', with: { environment: 'staging' },
    });
    expect(w.jobs['deploy-prod']).toMatchObject({ needs: 'deploy-staging', uses: './.github/workflows/deploy.yml', with: { environment: 'prod' } });
    expect(idTokenWrite(w, w.jobs['deploy-staging'])).toBe(true);
    expect(idTokenWrite(w, w.jobs['deploy-prod'])).toBe(true);
  });

  it('deploy: cdktn deploy <env>-* with OIDC credentials and read-only lock files, in a GitHub environment', () => {
    const w = load('deploy.yml');
    expect(Object.keys(w.on).sort()).toEqual(['workflow_call', 'workflow_dispatch']);
    const job = w.jobs.deploy;
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(idTokenWrite(w, job)).toBe(true);
    const creds = usesAction(job, 'aws-actions/configure-aws-credentials');
    expect(creds?.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}', 'aws-region': ENVIRONMENTS.prod.aws.region });
    expect(creds?.with).not.toHaveProperty('aws-access-key-id'); // OIDC, no stored keys
    expect(runs(job)).toMatch(/npx cdktn deploy --skip-synth '\$\{\{ inputs\.environment \}\}-\*' --auto-approve/);
    const deployStep = steps(job).find((s) => s.run?.includes('cdktn deploy'))!;
    expect(Object.keys(deployStep.env ?? {})).toEqual(expect.arrayContaining(['UPSTASH_EMAIL', 'UPSTASH_API_KEY']));
    expect(deployStep.env?.TF_CLI_ARGS_init).toBe('-lockfile=readonly');
    expect(runs(job)).toMatch(/terraform-locks\.sh require .*-observability\n.*terraform-locks\.sh restore/);
    expect(usesAction(job, 'hashicorp/setup-terraform')).toBeDefined();
  });

  it('rotation-status: quarterly after the rotation schedule, npm run rotate -- --status for each env and database', () => {
    const w = load('rotation-status.yml');
    const schedule = (w.on.schedule as { cron: string }[])[0].cron;
    const [minute, hour, day, months] = schedule.split(' ');
    expect([day, months]).toEqual(['1', '1,4,7,10']); // the quarter starts the rotation cron uses
    const rotationHour = Number(/cron\(\d+ (\d+) /.exec(ENVIRONMENTS.prod.schedules.rotation)![1]);
    expect(Number(hour)).toBeGreaterThan(rotationHour);
    expect(minute).toMatch(/^\d+$/);
    expect(w.on).toHaveProperty('workflow_dispatch');
    const job = w.jobs.status;
    expect(job.strategy?.matrix).toEqual({ env: ['staging', 'prod'], database: ['cache', 'guardrails'] });
    expect(idTokenWrite(w, job)).toBe(true);
    // The CLI's exit code decides (3 when a rotation is overdue, unfinished or off): no text is grepped.
    const status = steps(job).find((s) => s.run?.includes('rotate'))!;
    expect(status.run?.trim()).toBe('npm run --silent rotate -- --env ${{ matrix.env }} --database ${{ matrix.database }} --status');
  });

  it('the strict parser rejects a duplicate key (so the checks above can fail)', () => {
    expect(parseDocument('a: 1\na: 2\n', { uniqueKeys: true }).errors.length).toBeGreaterThan(0);
  });
});
