import { notBuiltAction } from '../src/action/run-action.js';

await notBuiltAction('deploy');
