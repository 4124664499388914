import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'cdktf.out/**', 'coverage/**', 'providers/generated/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        paths: [{
          name: '@cdktn/provider-aws',
          message: 'Import one resource per path (@cdktn/provider-aws/lib/<resource>): the root import costs seconds on every synth and test.',
        }],
        patterns: [{ group: ['cdktf', 'cdktf/*', '@cdktf/*'], message: 'cdktf is archived: import from cdktn and @cdktn/*.' }],
      }],
    },
  },
  {
    // Runtime code is bundled into Lambdas: it must never pull in cdktn or the IaC.
    files: ['lambdas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@cdktn/provider-aws', message: 'Lambda code never imports IaC.' }],
        patterns: [
          { group: ['cdktn', 'cdktn/*', '@cdktn/*', 'constructs'], message: 'Lambda code never imports cdktn.' },
          { group: ['cdktf', 'cdktf/*', '@cdktf/*'], message: 'cdktf is archived: import from cdktn and @cdktn/*.' },
          { group: ['**/stacks/**', '**/constructs/**'], message: 'Lambda code never imports IaC.' },
        ],
      }],
    },
  },
);
