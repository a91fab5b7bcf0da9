// Names of the environment variables global-setup hands to the test files (jest workers inherit them).
export const TEST_ENV = {
  adminUrl: 'LUX_TEST_PG_ADMIN_URL',
  templateDb: 'LUX_TEST_TEMPLATE_DB',
  temporalAddress: 'LUX_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'LUX_TEST_WORKFLOW_BUNDLE',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run integration tests through jest (global-setup sets it).`);
  return value;
}
