import { runAction } from '../src/action/run-action.js';
import { runReleaseTestsAction } from '../src/action/run-release-tests.js';

await runAction(runReleaseTestsAction);
