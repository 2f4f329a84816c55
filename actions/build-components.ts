import { buildComponentsAction } from '../src/action/build-components.js';
import { runAction } from '../src/action/run-action.js';

await runAction(buildComponentsAction);
