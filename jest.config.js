// Jest runs TypeScript through SWC (fast; type checking is `npm run typecheck`).
// Projects: unit (pure code, no services), integration (real Postgres + real Temporal dev server; also
// test/faults: crashes and outages on purpose, in the same project so the services are set up once).
/** @type {import('jest').Config} */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
// slonik's dependencies include ESM-only packages (p-limit, yocto-queue, ...): let SWC turn them into CJS.
// They may sit at the top level or nested (node_modules/slonik/node_modules/p-limit), so the pattern
// ignores a node_modules path only when no ESM-only package appears anywhere in it.
const esmOnly = '(p-limit|yocto-queue|serialize-error|type-fest)';
const transformIgnorePatterns = [`^(?!.*/node_modules/${esmOnly}/).*/node_modules/`];
const common = { transform: { '^.+\\.(t|j|mj)s$': swc }, transformIgnorePatterns, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'mjs', 'json'] };

module.exports = {
  // A global option (jest ignores it inside `projects`): integration tests start servers and CLIs on 2 shared cores.
  testTimeout: 60000,
  // On 2 cores jest runs the files in its own process; a handle some library leaves open (esbuild's
  // service process, seen after the snippet builds) must not keep `npm test` (and CI) waiting forever
  // once every test and the global teardown have finished.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testTimeout: 60000,
  // On 2 cores jest runs the files in its own process; a handle some library leaves open (esbuild's
  // service process, seen after the snippet builds) must not keep `npm test` (and CI) waiting forever
  // once every test and the global teardown have finished.
  forceExit: true,
    },
  ],
};
