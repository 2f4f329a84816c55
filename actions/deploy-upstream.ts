import { deployUpstreamAction } from '../src/action/deploy-upstream.js';
import { runAction } from '../src/action/run-action.js';

await runAction(deployUpstreamAction);
