import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
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
