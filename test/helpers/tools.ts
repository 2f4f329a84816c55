import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real tools test/tools/install-go-tools.sh builds once per machine. */
export interface GoTools {
  /** The cache directory the script printed. */
  dir: string;
  /** Holds `ko`, `crane`, `gauge`, `gauge-go`, `xml-report`: put it first on PATH. */
  bin: string;
  /** A GAUGE_HOME with the go and xml-report plugins installed. */
  gaugeHome: string;
  /**
   * This user's Go build cache (`go env GOCACHE`): pass it as GOCACHE to a child whose HOME is a
   * temporary directory, so ko and gauge-go do not compile the standard library again.
   */
  goCache: string;
}

const SCRIPT = fileURLToPath(new URL('../tools/install-go-tools.sh', import.meta.url));
let tools: Promise<GoTools> | undefined;

/**
 * The real ko, crane and Gauge, from the script that builds them into a cache outside the
 * checkout (at once when they are cached; the first build on a machine takes minutes). Called
 * once per test process, however often it is asked.
 */
export function goTools(): Promise<GoTools> {
  tools ??= new Promise<GoTools>((resolve, reject) => {
    execFile(SCRIPT, [], { encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const dir = stdout.trim().split('\n').at(-1) ?? '';
      if (error || !dir) {
        reject(new Error(`${SCRIPT} failed: ${error?.message ?? 'it printed nothing'}\n${stderr}`));
        return;
      }
      execFile('go', ['env', 'GOCACHE'], { encoding: 'utf8' }, (goError, goCache) => {
        if (goError) reject(new Error(`go env GOCACHE failed: ${goError.message}`));
        else
          resolve({
            dir,
            bin: join(dir, 'bin'),
            gaugeHome: join(dir, 'gauge-home'),
            goCache: goCache.trim(),
          });
      });
    });
  });
  return tools;
}

/** PATH with the real tools first. */
export async function toolsPath(path = process.env.PATH ?? ''): Promise<string> {
  return `${(await goTools()).bin}:${path}`;
}

/**
 * A directory holding only the named real tools (links into the cache's bin), for a PATH that
 * takes some tools real and leaves others to what follows it, e.g. the real ko before the
 * stand-ins: `${await realToolsDir('ko')}:${standIns}:${PATH}`.
 */
export async function realToolsDir(...names: string[]): Promise<string> {
  const { bin } = await goTools();
  const dir = mkdtempSync(join(tmpdir(), 'streamstress-real-tools-'));
  for (const name of names) symlinkSync(join(bin, name), join(dir, name));
  return dir;
}
