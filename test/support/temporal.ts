import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { testEnv } from './env';

let runtimeInstalled = false;

/** A client and worker connection to the run's shared, real Temporal dev server. */
export async function connectTestTemporal(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // Keep the SDK's warnings and errors, not its INFO chatter about worker states.
    Runtime.install({ logger: new DefaultLogger(process.env.LUX_TEST_TEMPORAL_LOG === 'debug' ? 'DEBUG' : 'ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createFromExistingServer({ address: testEnv('temporalAddress'), namespace: 'default' });
}

export function testWorkflowBundle(): { codePath: string } {
  return { codePath: testEnv('workflowBundle') };
}
