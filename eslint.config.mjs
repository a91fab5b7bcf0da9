// ESLint flat config.
// Two jobs beyond the recommended rules:
//  1. floating promises are errors everywhere (an un-awaited insert is a silent data loss);
//  2. workflows/ stays deterministic: Temporal replays workflow code, so it must not touch Node
//     builtins, the database, HTTP or email. All I/O belongs in activities/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`]);
const ioPackages = ['pg', 'pg-*', 'slonik', '@slonik/*', 'koa', 'koa-*', '@koa/*', 'nodemailer', 'pino', 'axios', 'undici'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.lux/**', 'dist/**', 'coverage/**', 'collector/snippet/dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // allowDefaultProject: test/unit/lint-rules.test.ts lints this path (never on disk) to prove the rules bite.
      parserOptions: { projectService: { allowDefaultProject: ['workflows/__lint_probe__.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((n) => !n.endsWith('/*')).map((name) => ({
            name,
            message: 'Workflows must be deterministic: no Node builtins. Do I/O in an activity.',
          })),
          patterns: [
            { group: ioPackages, message: 'Workflows must be deterministic: database, HTTP and email belong in activities/.' },
            { group: ['../activities', '../activities/*', '../lib/db/*', '../lib/config', '../lib/logger'], allowTypeImports: true, message: 'Import activities as types only (import type) and call them through proxyActivities.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No network I/O in workflows.' }, { name: 'setInterval', message: 'Use workflow sleep/condition instead.' }],
    },
  },
  {
    files: ['collector/snippet/src/**/*.js', 'collector/snippet/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
