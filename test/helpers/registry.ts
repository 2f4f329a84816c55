import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goTools } from './tools.js';
import { tempDir } from './upstreams.js';

export interface TestRegistry {
  host: string;
  username: string;
  token: string;
  dir: string;
  /** The repositories the registry holds. */
  catalog(): Promise<string[]>;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Debian's docker-registry on loopback, with htpasswd authentication as a route with a token has. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = tempDir('registry');
  const port = await freePort();
  const username = 'developer';
  const token = `sha256~${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  writeFileSync(
    join(dir, 'htpasswd'),
    execFileSync('htpasswd', ['-Bbn', username, token], { encoding: 'utf8' }),
  );
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: streamstress-test\n    path: ${join(dir, 'htpasswd')}\n`,
  );
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', log, log],
  });
  const host = `127.0.0.1:${port}`;
  const basic = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
  for (let i = 0; ; i++) {
    const answer = await fetch(`http://${host}/v2/`).catch(() => undefined);
    if (answer?.status === 401) break;
    if (i > 100) throw new Error(`docker-registry did not start; see ${join(dir, 'registry.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    username,
    token,
    dir,
    async catalog() {
      const answer = await fetch(`http://${host}/v2/_catalog`, {
        headers: { Authorization: basic },
      });
      return ((await answer.json()) as { repositories: string[] }).repositories;
    },
    stop: () => child.kill(),
  };
}

/** The flags that point streamstress at this registry, its token read from `tokenFile`. */
export function registryFlags(registry: TestRegistry, tokenFile: string): string[] {
  return [
    '--registry',
    `${registry.host}/tekton-upstream`,
    '--token-file',
    tokenFile,
    '--registry-user',
    registry.username,
  ];
}

/** Runs the real crane against `registry`, its credentials in a private Docker config in `dir`. */
async function craneIn(dir: string, registry: TestRegistry) {
  const { bin } = await goTools();
  const docker = join(dir, 'docker');
  mkdirSync(docker, { mode: 0o700 });
  const auth = Buffer.from(`${registry.username}:${registry.token}`).toString('base64');
  writeFileSync(
    join(docker, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth } } }),
    { mode: 0o600 },
  );
  const env = { ...process.env, DOCKER_CONFIG: docker };
  return (...args: string[]) =>
    promisify(execFile)(join(bin, 'crane'), args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
}

const baseImages = new Map<string, Promise<string>>();

/**
 * A minimal base image for ko in this registry, `HOST/base/<name>:latest` (ko's default,
 * cgr.dev/chainguard/static, cannot be fetched here): one layer with the /etc/passwd, /etc/group
 * and /tmp that static's distroless image has, and /etc/streamstress-base holding `<name>` (to
 * tell base images apart), for linux on this machine's architecture, pushed with the real
 * crane. Its reference goes to `--ko-base-image`. Pushed once per registry and name.
 */
export function pushBaseImage(registry: TestRegistry, name = 'static'): Promise<string> {
  const key = `${registry.host}/${name}`;
  let pushed = baseImages.get(key);
  if (!pushed) {
    pushed = (async () => {
      const dir = tempDir('base-image');
      try {
        const root = join(dir, 'root');
        mkdirSync(join(root, 'etc'), { recursive: true });
        mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
        writeFileSync(
          join(root, 'etc', 'passwd'),
          'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
        );
        writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n');
        writeFileSync(join(root, 'etc', 'streamstress-base'), `${name}\n`);
        const layer = join(dir, 'layer.tar');
        execFileSync('tar', ['-C', root, '--owner=0', '--group=0', '-cf', layer, 'etc', 'tmp']);
        const crane = await craneIn(dir, registry);
        const tag = `${registry.host}/base/${name}:latest`;
        await crane('append', '--new_layer', layer, '--new_tag', tag);
        const arch = process.arch === 'x64' ? 'amd64' : process.arch;
        await crane('mutate', '--set-platform', `linux/${arch}`, '--tag', tag, tag);
        return tag;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    baseImages.set(key, pushed);
  }
  return pushed;
}

/**
 * A file of an image in `registry` as a container sees it (all layers applied; ko's kodata is
 * under `var/run/ko/`), read with crane; undefined when the image has no such file.
 */
export async function readImageFile(
  registry: TestRegistry,
  reference: string,
  path: string,
): Promise<string | undefined> {
  const dir = tempDir('image-file');
  try {
    const crane = await craneIn(dir, registry);
    const tar = join(dir, 'fs.tar');
    await crane('export', reference, tar);
    // ko writes its layers' members with absolute names (/var/run/ko/…, /ko-app/…), base
    // images usually relative ones: either may hold the file.
    const relative = path.replace(/^\//, '');
    for (const member of [relative, `/${relative}`]) {
      try {
        return execFileSync('tar', ['-xOf', tar, member], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        // not under this name
      }
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
