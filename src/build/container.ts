import { programVersion, type RunProgram } from '../adapters/exec.js';

export type ContainerToolName = 'podman' | 'docker' | 'buildah';

export interface ContainerTool {
  name: ContainerToolName;
  version: string;
}

/** The first of podman, docker and buildah on PATH, in that order of preference. */
export async function findContainerTool(run: RunProgram): Promise<ContainerTool | undefined> {
  for (const name of ['podman', 'docker', 'buildah'] as const) {
    const version = await programVersion(run, name, ['--version']);
    if (version) return { name, version };
  }
  return undefined;
}

/**
 * The argument arrays of a container build and push. podman and buildah write the pushed digest
 * to `--digestfile`; docker prints `<tag>: digest: sha256:… size: N` instead. Registries reached
 * over plain HTTP (loopback) need TLS verification off for podman and buildah, as ko assumes.
 */
export function containerCommands(
  tool: ContainerToolName,
  build: { dockerfile: string; context: string; tags: string[]; digestFile: string; tls: boolean },
): { build: string[]; push: string[][] } {
  const tagArgs = build.tags.flatMap((tag) => ['--tag', tag]);
  const buildArgs = ['build', '--file', build.dockerfile, ...tagArgs, build.context];
  const tls = tool === 'docker' || build.tls ? [] : ['--tls-verify=false'];
  const [first, ...others] = build.tags;
  const digest = tool === 'docker' ? [] : ['--digestfile', build.digestFile];
  return {
    build: buildArgs,
    push: [['push', ...tls, ...digest, first ?? ''], ...others.map((tag) => ['push', ...tls, tag])],
  };
}

/** The digest docker prints after a push: `<tag>: digest: sha256:<hex> size: <n>`. */
export function digestFromDockerPush(stdout: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
}
