import { afterAll, beforeAll } from 'vitest';
import { startControllers } from './controllers.js';
import { removeTestbedDir, startTestbed, type Testbed } from './testbed.js';

/**
 * A testbed with its controllers for the tests of the enclosing file or describe block:
 * started before them, stopped and removed after. Read it through the getter once they run.
 */
export function useTestbed(): () => Testbed {
  let testbed: Testbed | undefined;
  let controllers: { stop(): Promise<void> } | undefined;
  beforeAll(async () => {
    testbed = await startTestbed();
    controllers = startControllers(testbed.admin);
  }, 600_000);
  afterAll(async () => {
    await controllers?.stop();
    await testbed?.stop();
    if (testbed) removeTestbedDir(testbed.dir);
  });
  return () => {
    if (!testbed) throw new Error('The testbed is not started yet: read it inside a test.');
    return testbed;
  };
}
