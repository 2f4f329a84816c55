// npm run testbed:up / testbed:down: a standalone testbed for people and scripts, with its
// controllers running in a process of their own. `up` prints the admin kubeconfig's path last.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fullVersion, type ClusterOptions } from './objects.js';
import { isAlive, startTestbed, stopProcesses } from './testbed.js';

const DIR = join(tmpdir(), 'streamstress-testbed');
const STATE = join(DIR, 'testbed.json');

interface State {
  pids: number[];
  adminKubeconfig: string;
  limitedKubeconfig: string;
  server: string;
}

function running(): State | undefined {
  if (!existsSync(STATE)) return undefined;
  const state = JSON.parse(readFileSync(STATE, 'utf8')) as State;
  return state.pids.every(isAlive) ? state : undefined;
}

async function up(options: ClusterOptions): Promise<void> {
  const current = running();
  if (current) {
    console.log(`The testbed is already running at ${current.server}.`);
    console.log(current.adminKubeconfig);
    return;
  }
  await down(true);
  const started = Date.now();
  const testbed = await startTestbed({ dir: DIR, ...options });
  const out = openSync(join(DIR, 'controllers.log'), 'a');
  const controllers = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('controllers-main.ts', import.meta.url)), DIR],
    { detached: true, stdio: ['ignore', out, out] },
  );
  controllers.unref();
  const state: State = {
    pids: [...testbed.pids, controllers.pid ?? 0],
    adminKubeconfig: testbed.adminKubeconfig,
    limitedKubeconfig: testbed.limitedKubeconfig,
    server: testbed.server,
  };
  writeFileSync(STATE, JSON.stringify(state, null, 2));
  console.log(
    `Testbed API server at ${testbed.server}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s (files in ${DIR}).`,
  );
  console.log(`Limited user: ${testbed.limitedKubeconfig}`);
  console.log('Stop it with: npm run testbed:down');
  console.log(testbed.adminKubeconfig);
}

async function down(quiet = false): Promise<void> {
  if (existsSync(STATE)) {
    const state = JSON.parse(readFileSync(STATE, 'utf8')) as State;
    await stopProcesses(state.pids.filter((pid) => pid > 0));
    if (!quiet) console.log(`Stopped the testbed (processes ${state.pids.join(', ')}).`);
  } else if (!quiet) {
    console.log('No testbed is running.');
  }
  rmSync(DIR, { recursive: true, force: true });
}

const USAGE =
  'usage: testbed up [--openshift-version X.Y] [--operator-grace-seconds N] [--statefulset-ordinals] | testbed down';

/** `--openshift-version X.Y`, `--operator-grace-seconds N`, `--statefulset-ordinals`; anything else is refused. */
function parseUpOptions(args: string[]): ClusterOptions {
  const { values } = parseArgs({
    args,
    options: {
      'openshift-version': { type: 'string' },
      'operator-grace-seconds': { type: 'string' },
      'statefulset-ordinals': { type: 'boolean' },
    },
  });
  const options: ClusterOptions = {};
  if (values['statefulset-ordinals']) options.statefulsetOrdinals = true;
  if (values['openshift-version'] !== undefined) {
    fullVersion(values['openshift-version']);
    options.openshiftVersion = values['openshift-version'];
  }
  const grace = values['operator-grace-seconds'];
  if (grace !== undefined) {
    if (!/^\d+$/.test(grace))
      throw new Error(`--operator-grace-seconds ${grace} is not a whole number of seconds`);
    options.operatorGraceSeconds = Number(grace);
  }
  return options;
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'up') await up(parseUpOptions(rest));
  else if (command === 'down' && rest.length === 0) await down();
  else throw new Error(USAGE);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  if (command === 'up' || command === 'down') console.error(USAGE);
  process.exitCode = 2;
}
