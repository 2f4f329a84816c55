import { setupClusterAction } from '../src/action/setup-cluster.js';
import { runAction } from '../src/action/run-action.js';

await runAction(setupClusterAction);
