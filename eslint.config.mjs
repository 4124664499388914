import tseslint from 'typescript-eslint';

/**
 * Which way imports may run (docs/architecture.md): each folder lists the folders it must not
 * import. A relative import is matched by the folder names it walks through, so `../warmup/x`
 * from `lambdas/audit/` is caught as `warmup`.
 */
const FUNCTIONS = ['cache', 'admin', 'warmup', 'audit', 'rotation'];
const TOOLS = ['local', 'cli', 'bench', 'scripts', 'cost', 'test'];
const IAC = ['stacks', 'constructs'];
const MONITORING = ['alerts', 'dashboards'];
const LAMBDA_LIBRARIES = ['shared', 'guardrails', 'engine', 'maintenance', 'bootstrap'];

const folderPattern = (folders) => `(^|/)(${folders.join('|')})(/|$)`;

const PROVIDER_ROOT = {
  name: '@cdktn/provider-aws',
  message: 'Import one resource per path (@cdktn/provider-aws/lib/<resource>): the root import costs seconds on every synth and test.',
};
const NO_CDKTF = { group: ['cdktf', 'cdktf/*', '@cdktf/*'], message: 'cdktf is archived: import from cdktn and @cdktn/*.' };
const NO_IAC_PACKAGES = { group: ['cdktn', 'cdktn/*', '@cdktn/*', 'constructs'], message: 'Runtime code never imports cdktn or constructs: it is bundled into Lambdas.' };

/** `no-restricted-imports` for files under `files` that must not import `folders`. */
function layer(files, folders, why, extraPatterns = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [PROVIDER_ROOT],
        patterns: [NO_CDKTF, ...extraPatterns, { regex: folderPattern(folders), message: why }],
      }],
    },
  };
}

/** A function folder imports the libraries below it, never another function. */
const functionLayers = FUNCTIONS.map((fn) => layer(
  [`lambdas/${fn}/**/*.ts`],
  [...FUNCTIONS.filter((other) => other !== fn), ...MONITORING, ...IAC, ...TOOLS],
  `lambdas/${fn} imports contracts, config and the Lambda libraries (${LAMBDA_LIBRARIES.join(', ')}), never another function, monitoring, IaC or tools: move what two functions share into a library.`,
  [NO_IAC_PACKAGES],
));

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'cdktf.out/**', 'coverage/**', 'providers/generated/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [PROVIDER_ROOT], patterns: [NO_CDKTF] }],
    },
  },
  layer(['contracts/**/*.ts'], ['config', 'lambdas', ...MONITORING, ...IAC, ...TOOLS, 'providers'],
    'contracts/ is the bottom layer: plain data and types every other folder agrees on; it imports nothing of the repository.', [NO_IAC_PACKAGES]),
  layer(['config/**/*.ts'], ['lambdas', ...MONITORING, ...IAC, ...TOOLS],
    'config/ imports only contracts/: the functions, stacks and monitoring read it.', [NO_IAC_PACKAGES]),
  layer(['lambdas/shared/**/*.ts'], [...FUNCTIONS, 'guardrails', 'engine', 'maintenance', 'bootstrap', ...MONITORING, ...IAC, ...TOOLS],
    'lambdas/shared is the lowest Lambda library: contracts and config only.', [NO_IAC_PACKAGES]),
  layer(['lambdas/guardrails/**/*.ts'], [...FUNCTIONS, 'engine', 'maintenance', 'bootstrap', ...MONITORING, ...IAC, ...TOOLS],
    'lambdas/guardrails imports lambdas/shared, contracts and config only.', [NO_IAC_PACKAGES]),
  layer(['lambdas/engine/**/*.ts'], [...FUNCTIONS, 'maintenance', 'bootstrap', ...MONITORING, ...IAC, ...TOOLS],
    'lambdas/engine imports lambdas/guardrails, lambdas/shared, contracts and config only.', [NO_IAC_PACKAGES]),
  layer(['lambdas/bootstrap/**/*.ts'], [...FUNCTIONS, 'engine', 'maintenance', ...MONITORING, ...IAC, ...TOOLS],
    'lambdas/bootstrap (how every function starts) imports lambdas/shared, lambdas/guardrails, contracts and config only.', [NO_IAC_PACKAGES]),
  layer(['lambdas/maintenance/**/*.ts'], [...FUNCTIONS, 'bootstrap', ...MONITORING, ...IAC, ...TOOLS],
    'lambdas/maintenance (what the cache function and the jobs share) imports the lower Lambda libraries, contracts and config only.', [NO_IAC_PACKAGES]),
  ...functionLayers,
  layer(['constructs/**/*.ts'], ['config', 'contracts', 'lambdas', 'stacks', ...MONITORING, ...TOOLS],
    'constructs/ are reusable building blocks: they import providers and each other, never the app (AWS limits live with the construct that needs them).'),
  layer(['alerts/**/*.ts', 'dashboards/**/*.ts'], ['lambdas', ...IAC, ...TOOLS],
    'Monitoring (alerts, dashboards) reads contracts/ and config/, never the runtime code or the IaC.'),
  layer(['stacks/**/*.ts'], ['lambdas', ...TOOLS],
    'stacks/ compose constructs from config and contracts; what they share with a function lives in contracts/, not in the function\'s folder.'),
);
