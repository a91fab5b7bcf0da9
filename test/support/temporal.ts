import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { testEnv } from './env';

/**
 * One Temporal Runtime per process: jest gives each test file fresh modules but the same worker
 * process, so a second file would find a Runtime already installed (that is fine: keep it).
 */
function installQuietRuntime(): void {
  try {
    // Keep the SDK's warnings and errors, not its INFO chatter about worker states.
    Runtime.install({ logger: new DefaultLogger(process.env.LUX_TEST_TEMPORAL_LOG === 'debug' ? 'DEBUG' : 'ERROR') });
  } catch (error) {
    if (!/already (been )?(installed|instantiated)/i.test(String(error))) throw error;
  }
}

/** A client and worker connection to the run's shared, real Temporal dev server. */
export async function connectTestTemporal(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: testEnv('temporalAddress'), namespace: 'default' });
}

export function testWorkflowBundle(): { codePath: string } {
  return { codePath: testEnv('workflowBundle') };
}
