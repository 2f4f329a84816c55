import { publishDashboardAction } from '../src/action/publish-dashboard.js';
import { runAction } from '../src/action/run-action.js';

await runAction(publishDashboardAction);
