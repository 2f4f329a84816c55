import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Git } from '../../src/adapters/git.js';
import { buildComponents } from '../../src/build/build.js';
import { ImagesSchema, type Images } from '../../src/build/images.js';
import { manifestExists, tagDigest } from '../../src/build/registry.js';
import { koImageName } from '../../src/build/ko.js';
import { imagesFromRegistry } from '../../src/build/lookup.js';
import { loadComponents } from '../../src/config/components.js';
import { StreamstressError } from '../../src/errors.js';
import { planFromRequest } from '../../src/plan/index.js';
import { cli, ROOT, runBundle } from '../helpers/cli.js';
import { startArtifactService } from '../helpers/artifact-service.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import {
  pushBaseImage,
  readImageFile,
  registryFlags,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry.js';
import { goTools } from '../helpers/tools.js';
import {
  createGoUpstream,
  createShippedUpstreams,
  tempDir,
  type Upstream,
} from '../helpers/upstreams.js';

let registry: TestRegistry;
let root: string;
let config: string;
let brokenConfig: string;
let pipeline: Upstream;
let triggers: Upstream;
let baseImage: string;
let goCache: string;
const PATH = process.env.PATH;
/** The real ko and crane first; then the podman stand-in (no podman here) and ko's fault stand-in, which real ko shadows. */
let toolsPath: string;

/**
 * triggers' own .ko.yaml names a base image that does not exist and a build of its controller
 * with a tag that makes it fail to compile: a build that read it would fail.
 */
const UNTRUSTED_KO_YAML = {
  '.ko.yaml': `defaultBaseImage: bogus.invalid/never/pulled:latest
builds:
  - id: trap
    main: ./cmd/controller
    flags: [-tags, trap]
`,
  'cmd/controller/trap.go': '//go:build trap\n\npackage main\n\nvar _ = theTreesKoYamlWasRead\n',
};

beforeAll(async () => {
  const tools = await goTools();
  goCache = tools.goCache;
  toolsPath = `${tools.bin}:${join(ROOT, 'test', 'stand-ins')}:${PATH}`;
  process.env.PATH = toolsPath;
  registry = await startRegistry();
  baseImage = await pushBaseImage(registry);
  root = tempDir('build');
  const shipped = await createShippedUpstreams(root, {
    pipeline: {},
    triggers: UNTRUSTED_KO_YAML,
    // An upstream commit that does not compile, as real ko meets it.
    chains: { 'cmd/controller/signer.go': 'package main\n\nvar _ = signing.NewSigner\n' },
    results: {},
    'console-plugin': {
      Dockerfile: 'FROM registry.access.redhat.com/ubi9/nginx-124\nCOPY dist /opt/app-root/src\n',
    },
  });
  pipeline = shipped.upstreams['pipeline']!;
  triggers = shipped.upstreams['triggers']!;
  config = shipped.config;
  const brokenPlugin = createGoUpstream(
    root,
    'console-plugin-broken',
    'github.com/openshift-pipelines/console-plugin',
    [],
    { Dockerfile: 'FROM registry.access.redhat.com/ubi9/nginx-124\nRUN false\n' },
  );
  brokenConfig = join(root, 'components-broken.toml');
  writeFileSync(
    brokenConfig,
    readFileSync(config, 'utf8').replace(
      shipped.upstreams['console-plugin']!.url,
      brokenPlugin.url,
    ),
  );
}, 60_000);

afterAll(() => {
  process.env.PATH = PATH;
  registry?.stop();
});

async function build(
  components: string,
  extra: {
    /** null: ko's own default base image. */
    koBaseImage?: string | null;
    failFast?: boolean;
    maxParallel?: number;
    token?: string;
    componentsFile?: string;
    outputDir?: string;
  } = {},
) {
  const cacheDir = join(root, 'cache');
  const outputDir = extra.outputDir ?? tempDir('build-out');
  const plan = await planFromRequest({
    components,
    componentsFile: extra.componentsFile ?? config,
    cacheDir,
  });
  const result = await buildComponents({
    git: new Git(),
    plan,
    registry: {
      host: registry.host,
      namespace: 'tekton-upstream',
      internal: 'image-registry.openshift-image-registry.svc:5000',
    },
    credentials: { username: registry.username, token: extra.token ?? registry.token },
    cacheDir,
    outputDir,
    ...(extra.koBaseImage === null ? {} : { koBaseImage: extra.koBaseImage ?? baseImage }),
    ...(extra.failFast ? { failFast: true } : {}),
    ...(extra.maxParallel ? { maxParallel: extra.maxParallel } : {}),
  });
  return { ...result, outputDir, cacheDir };
}

describe('build-components with the real ko and a real registry', () => {
  it(
    'builds the planned commits, maps pipeline 8 and triggers 4 IMAGE_* variables, and every digest is in the registry',
    { timeout: 120_000 },
    async () => {
      const { images, failures, file, cacheDir } = await build('pipeline:v0.62.0,triggers:pr/7');
      expect(failures).toEqual([]);
      expect(ImagesSchema.parse(JSON.parse(readFileSync(file, 'utf8')))).toEqual({
        ...images,
        failures: [],
      });
      expect(images.components.map((c) => [c.name, c.commit, c.images.length])).toEqual([
        ['pipeline', pipeline.commits['main'], 8],
        ['triggers', triggers.commits['pr'], 4],
      ]);
      for (const image of images.components.flatMap((c) => c.images)) {
        expect(await manifestExists(image.ref, registry)).toBe(true);
        expect(image.internalRef).toBe(
          image.ref.replace(registry.host, 'image-registry.openshift-image-registry.svc:5000'),
        );
      }
      // Every image is the one of its own import path (real ko prints them in any order).
      for (const component of images.components) {
        const module = `github.com/tektoncd/${component.name}`;
        for (const image of component.images)
          expect(image.ref).toMatch(
            new RegExp(
              `^${registry.host}/tekton-upstream/${koImageName(module, image.importPath ?? '')}@sha256:[0-9a-f]{64}$`,
            ),
          );
      }
      // Each image carries its upstream's SOURCE at the built commit, through kodata.
      const source = (name: string) =>
        readImageFile(
          registry,
          images.components.find((c) => c.name === name)?.images[0]?.ref ?? '',
          '/var/run/ko/source',
        );
      expect(await source('pipeline')).toBe('pipeline main\n');
      expect(await source('triggers')).toBe('triggers pull request 7\n');
      // Two components' `controller` land in different repositories.
      const md5 = (path: string) => createHash('md5').update(path).digest('hex');
      const catalog = await registry.catalog();
      expect(catalog).toContain(
        `tekton-upstream/controller-${md5('github.com/tektoncd/pipeline/cmd/controller')}`,
      );
      expect(catalog).toContain(
        `tekton-upstream/controller-${md5('github.com/tektoncd/triggers/cmd/controller')}`,
      );
      const pipelineController = images.components[0]?.images.find(
        (i) => i.env === 'IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER',
      );
      expect(pipelineController?.ref).toContain(
        `/tekton-upstream/controller-${md5('github.com/tektoncd/pipeline/cmd/controller')}@sha256:`,
      );
      // The working tree is at the planned commit, fetched into the shared cache.
      const tree = join(cacheDir, 'workspace', 'triggers');
      expect(
        execFileSync('git', ['-C', tree, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
      ).toBe(triggers.commits['pr']);
    },
  );

  it(
    'keeps the images of the components that built when one fails, and stops the rest with fail-fast',
    { timeout: 120_000 },
    async () => {
      const carryOn = await build('pipeline,chains,triggers', { maxParallel: 1 });
      expect(carryOn.images.components.map((c) => c.name)).toEqual(['pipeline', 'triggers']);
      expect(carryOn.failures).toEqual([
        {
          component: 'chains',
          error: expect.stringMatching(
            /^chains: ko exited 1: cmd\/controller\/signer\.go:3:9: undefined: signing \(log: .*build-chains\.log\)$/,
          ),
        },
      ]);
      expect(readFileSync(join(carryOn.outputDir, 'logs', 'build-chains.log'), 'utf8')).toContain(
        'cmd/controller/signer.go:3:9: undefined: signing',
      );

      const failFast = await build('chains,pipeline,triggers', { maxParallel: 1, failFast: true });
      expect(failFast.images.components).toEqual([]);
      expect(failFast.failures.map((f) => f.component)).toEqual(['chains', 'pipeline', 'triggers']);
      expect(failFast.failures[1]?.error).toContain('fail-fast');
    },
  );

  it(
    'reports a registry that refuses the push, and never leaves the token behind',
    { timeout: 120_000 },
    async () => {
      // The base image is in the same registry: ko is refused when it pulls it.
      const refused = await build('triggers', { token: 'wrong-token' });
      expect(refused.failures[0]?.error).toMatch(
        /^triggers: ko exited 1: Error: .*: UNAUTHORIZED: authentication required/,
      );
      const good = await build('triggers');
      const files = readdirSync(good.outputDir, { recursive: true })
        .map(String)
        .filter((f) => existsSync(join(good.outputDir, f)) && !f.endsWith('logs'));
      for (const file of files) {
        if (file === 'logs') continue;
        const path = join(good.outputDir, file);
        try {
          expect(readFileSync(path, 'utf8')).not.toContain(registry.token);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
        }
      }
      expect(
        readdirSync(process.env.RUNNER_TEMP ?? '/tmp').filter((d) =>
          d.startsWith('streamstress-docker-'),
        ),
      ).toEqual([]);
    },
  );
});

describe("ko's configuration and environment", () => {
  it(
    "builds on the base image streamstress gives, never reading the tree's own .ko.yaml",
    { timeout: 120_000 },
    async () => {
      const { images, failures, outputDir } = await build('triggers');
      expect(failures).toEqual([]);
      const log = readFileSync(join(outputDir, 'logs', 'build-triggers.log'), 'utf8');
      expect(log).toMatch(
        new RegExp(
          `Using base ${baseImage}@sha256:[0-9a-f]{64} for github\\.com/tektoncd/triggers/cmd/controller`,
        ),
      );
      expect(log).not.toContain('bogus.invalid');
      // The image holds the base image's files.
      const controller = images.components[0]?.images[0]?.ref ?? '';
      expect(await readImageFile(registry, controller, '/etc/passwd')).toContain('nonroot:x:65532');
    },
  );

  it(
    "gives an image the base image components.toml names for it (ko's baseImageOverrides)",
    { timeout: 120_000 },
    async () => {
      const git = await pushBaseImage(registry, 'with-git');
      const controller = '[[components.triggers.images]]\nimport-path = "./cmd/controller"\n';
      const componentsFile = join(root, 'components-base-image.toml');
      writeFileSync(
        componentsFile,
        readFileSync(config, 'utf8').replace(controller, `${controller}base-image = "${git}"\n`),
      );
      const { images, failures, outputDir } = await build('triggers', { componentsFile });
      expect(failures).toEqual([]);
      const base = (env: string) =>
        readImageFile(
          registry,
          images.components[0]?.images.find((i) => i.env === env)?.ref ?? '',
          '/etc/streamstress-base',
        );
      expect(await base('IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER')).toBe('with-git\n');
      expect(await base('IMAGE_TRIGGERS_WEBHOOK')).toBe('static\n');
      const log = readFileSync(join(outputDir, 'logs', 'build-triggers.log'), 'utf8');
      expect(log).toContain(`Using base ${git}@sha256:`);
    },
  );

  it(
    "takes ko's own default base image without --ko-base-image, not the tree's",
    { timeout: 60_000 },
    async () => {
      // ko's default, cgr.dev/chainguard/static, cannot be fetched here: the error names it.
      const { failures } = await build('triggers', { koBaseImage: null });
      expect(failures[0]?.error).toMatch(
        /^triggers: ko exited 1: Error: .*pulling cgr\.dev\/chainguard\/static:latest/,
      );
      expect(failures[0]?.error).not.toContain('bogus.invalid');
    },
  );

  it(
    "gives ko no variable of the runner's but what Go and ko need",
    { timeout: 120_000 },
    async () => {
      // A ko that records its environment and configuration, then is the real ko.
      const dir = tempDir('ko-wrapper');
      const record = join(dir, 'environment');
      writeFileSync(
        join(dir, 'ko'),
        `#!/bin/sh\nenv >"${record}"\ncat "$KO_CONFIG_PATH" >"${record}.config"\nexec "${join((await goTools()).bin, 'ko')}" "$@"\n`,
        { mode: 0o755 },
      );
      const secrets = {
        'INPUT_REGISTRY-TOKEN': registry.token,
        ACTIONS_RUNTIME_TOKEN: 'runtime-token-that-must-not-reach-ko',
        GITHUB_TOKEN: 'github-token-that-must-not-reach-ko',
        KO_CONFIG_PATH: join(dir, 'elsewhere.yaml'),
      };
      Object.assign(process.env, secrets, { PATH: `${dir}:${toolsPath}` });
      try {
        const { failures } = await build('triggers');
        expect(failures).toEqual([]);
      } finally {
        for (const name of Object.keys(secrets)) delete process.env[name];
        process.env.PATH = toolsPath;
      }
      const environment = readFileSync(record, 'utf8');
      for (const value of Object.values(secrets)) expect(environment).not.toContain(value);
      expect(environment).not.toMatch(/^(INPUT_|ACTIONS_|GITHUB_)/m);
      expect(environment).toMatch(/^GOFLAGS=-mod=vendor$/m);
      expect(environment).toContain(`KO_DOCKER_REPO=${registry.host}/tekton-upstream\n`);
      const config = /^KO_CONFIG_PATH=(.*)$/m.exec(environment)?.[1] ?? '';
      const docker = /^DOCKER_CONFIG=(.*)$/m.exec(environment)?.[1] ?? '';
      expect(config).toBe(join(docker, 'ko-triggers.yaml'));
      expect(JSON.parse(readFileSync(`${record}.config`, 'utf8'))).toEqual({
        defaultBaseImage: baseImage,
      });
      // The private directory is gone with the credentials.
      expect(existsSync(docker)).toBe(false);
    },
  );
});

describe('kodata of an untrusted tree', () => {
  it(
    'refuses to build a component whose kodata links outside the repository',
    { timeout: 60_000 },
    async () => {
      const secret = join(tempDir('secret'), 'kubeconfig');
      writeFileSync(secret, 'token: do-not-ship\n');
      const leaking = await createShippedUpstreams(tempDir('build-kodata'), {
        chains: { 'cmd/controller/kodata/kubeconfig': { link: secret } },
      });
      const { images, failures } = await build('chains', { componentsFile: leaking.config });
      expect(images.components).toEqual([]);
      expect(failures.map((f) => f.error)).toEqual([
        `chains: not built: cmd/controller/kodata/kubeconfig links to ${secret}, outside the repository; ko would copy it into the image.`,
      ]);
      expect(await registry.catalog()).not.toContain(
        `tekton-upstream/${koImageName('github.com/tektoncd/chains', './cmd/controller')}`,
      );
    },
  );
});

describe('faults of ko that the real one cannot be made to show (the ko stand-in)', () => {
  it(
    'reports a ko that exits 0 printing no image reference, and one that is killed mid-run',
    { timeout: 60_000 },
    async () => {
      const faults = await createShippedUpstreams(tempDir('build-faults'), {
        chains: { '.ko-garbage': 'Built it.\nsha256:0123\n' },
        'manual-approval-gate': {
          '.ko-crash': `${registry.host}/tekton-upstream/controller-0@sha256:${'0'.repeat(64)}\n`,
        },
      });
      const dir = tempDir('ko-stand-in');
      symlinkSync(join(ROOT, 'test', 'stand-ins', 'ko'), join(dir, 'ko'));
      process.env.PATH = `${dir}:${toolsPath}`;
      try {
        const { images, failures } = await build('chains,manual-approval-gate', {
          componentsFile: faults.config,
          maxParallel: 1,
        });
        expect(images.components).toEqual([]);
        expect(failures.map((f) => f.error)).toEqual([
          expect.stringMatching(
            /^chains: ko printed no image reference for \.\/cmd\/controller \(expected .*\/tekton-upstream\/controller-[0-9a-f]{32}@sha256:…; log: .*\)\.$/,
          ),
          expect.stringMatching(
            /^manual-approval-gate: ko was ended by a signal: .*Building \.\/cmd\/controller for linux\/amd64 \(log: /,
          ),
        ]);
      } finally {
        process.env.PATH = toolsPath;
      }
    },
  );
});

describe('images looked up in the registry by tag (deploy --registry … --component …)', () => {
  it(
    'pins each image the last build pushed, by latest or by commit tag, as images.json would',
    { timeout: 120_000 },
    async () => {
      const built = await build('pipeline,triggers:pr/7');
      const registryConfig = await loadComponents(config);
      const lookup = (components: string) =>
        imagesFromRegistry({
          components,
          registry: {
            host: registry.host,
            namespace: 'tekton-upstream',
            internal: 'image-registry.openshift-image-registry.svc:5000',
          },
          config: registryConfig,
          credentials: registry,
        });
      const pins = (images: Images) =>
        images.components.flatMap((c) => c.images.map((i) => [i.env, i.ref, i.internalRef]));
      const latest = await lookup('pipeline,triggers');
      expect(pins(latest)).toEqual(pins(built.images));
      expect(pins(latest)).toHaveLength(12);
      const byCommit = await lookup(`triggers:${triggers.commits['pr']?.slice(0, 12)}`);
      expect(pins(byCommit)).toEqual(
        pins({ ...built.images, components: [built.images.components[1]!] }),
      );
      expect(byCommit.components[0]?.commit).toBe(triggers.commits['pr']?.slice(0, 12));
      expect(ImagesSchema.parse(latest)).toEqual(latest);

      const missing = await lookup('triggers:0123456789ab,chains').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(StreamstressError);
      expect((missing as StreamstressError).message).toBe('Some images are not in the registry:');
      expect((missing as StreamstressError).problems).toEqual([
        ...[
          'TEKTON_TRIGGERS_CONTROLLER',
          'WEBHOOK',
          'TEKTON_TRIGGERS_CORE_INTERCEPTORS',
          'ARG__EL_IMAGE',
        ].map((name) =>
          expect.stringMatching(
            new RegExp(
              `^triggers: IMAGE_TRIGGERS_${name}: .*:0123456789ab is not in the registry$`,
            ),
          ),
        ),
        expect.stringMatching(
          /^chains: IMAGE_CHAINS_TEKTON_CHAINS_CONTROLLER: .*:latest is not in the registry$/,
        ),
      ]);
    },
  );
});

/** A PATH holding only the system's programs and stand-ins linked under the names given. */
function pathWith(tools: Record<string, string>): string {
  const dir = tempDir('path');
  for (const [name, standIn] of Object.entries(tools))
    symlinkSync(join(ROOT, 'test', 'stand-ins', standIn), join(dir, name));
  return `${dir}:/usr/bin:/bin`;
}

describe('the console plugin, built from its Dockerfile', () => {
  afterEach(() => {
    process.env.PATH = toolsPath;
  });

  for (const tool of ['podman', 'docker', 'buildah']) {
    it(`builds and pushes it with ${tool}, by digest and under the commit`, async () => {
      process.env.PATH = pathWith({ [tool]: 'podman' });
      const { images, failures, outputDir } = await build('console-plugin');
      expect(failures).toEqual([]);
      const [image] = images.components[0]?.images ?? [];
      expect(image?.env).toBe('IMAGE_PIPELINES_CONSOLE_PLUGIN');
      expect(image?.ref).toMatch(
        new RegExp(`^${registry.host}/tekton-upstream/console-plugin@sha256:[0-9a-f]{64}$`),
      );
      expect(await manifestExists(image?.ref ?? '', registry)).toBe(true);
      const commit = images.components[0]?.commit.slice(0, 12) ?? '';
      expect(
        await tagDigest(`${registry.host}/tekton-upstream/console-plugin:${commit}`, registry),
      ).toBe(image?.ref.split('@')[1]);
      const log = readFileSync(join(outputDir, 'logs', 'build-console-plugin.log'), 'utf8');
      expect(log).toContain(`$ ${tool} build --file Dockerfile`);
      expect(log).not.toContain(registry.token);
    });
  }

  it('names the failing step and keeps the log when the Dockerfile does not build', async () => {
    const { images, failures, outputDir } = await build('console-plugin', {
      componentsFile: brokenConfig,
    });
    expect(images.components).toEqual([]);
    expect(failures[0]?.error).toMatch(
      /^console-plugin: podman exited 125: .*building at STEP "RUN false"/,
    );
    expect(failures[0]?.error).toContain(join(outputDir, 'logs', 'build-console-plugin.log'));
  });

  it('says what to install when none of podman, docker and buildah is on PATH', async () => {
    process.env.PATH = pathWith({});
    const { failures } = await build('console-plugin');
    expect(failures[0]?.error).toBe(
      'console-plugin: building it needs podman, docker or buildah, and none is on PATH.',
    );
  });
});

describe('build logs', () => {
  it(
    "stream each build's output into its log file while the build runs",
    { timeout: 60_000 },
    async () => {
      const outputDir = tempDir('build-out');
      const log = join(outputDir, 'logs', 'build-pipeline.log');
      let finished = false;
      const running = build('pipeline', { outputDir }).finally(() => {
        finished = true;
      });
      // ko logs "Using base" before it builds and pushes the first of pipeline's 8 images.
      while (!finished && !(existsSync(log) && readFileSync(log, 'utf8').includes('Using base')))
        await new Promise((r) => setTimeout(r, 50));
      expect(finished).toBe(false);
      const { failures } = await running;
      expect(failures).toEqual([]);
    },
  );
});

describe('streamstress build, as the CLI bundle', () => {
  it(
    'writes plan.json and an images.json whose every digest is in the registry',
    { timeout: 120_000 },
    async () => {
      const out = tempDir('build-cli');
      const tokenFile = join(out, 'token');
      writeFileSync(tokenFile, `${registry.token}\n`, { mode: 0o600 });
      const env = { PATH: process.env.PATH ?? '', HOME: root, GOCACHE: goCache };
      const run = await runBundle(
        'cli',
        [
          '--config',
          config,
          'build',
          '--component',
          'pipeline,triggers',
          ...registryFlags(registry, tokenFile),
          '--ko-base-image',
          baseImage,
          '--output-dir',
          out,
          '--cache-dir',
          join(root, 'cache'),
        ],
        env,
      );
      expect(run.stderr).toMatch(/pipeline: built in/);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^Built 12 images of pipeline, triggers; every digest is in the registry\./,
      );
      const images = ImagesSchema.parse(JSON.parse(readFileSync(join(out, 'images.json'), 'utf8')));
      expect(images.components.flatMap((c) => c.images.map((i) => i.env))).toHaveLength(12);
      for (const image of images.components.flatMap((c) => c.images))
        expect(await manifestExists(image.ref, registry)).toBe(true);
      expect(existsSync(join(out, 'plan.json'))).toBe(true);
      expect(run.stdout + run.stderr).not.toContain(registry.token);
    },
  );

  it('exits 2 on a --ko-base-image that is no image reference, before building anything', async () => {
    for (const command of [
      ['build', '--component'],
      ['run', '--components'],
    ]) {
      const run = await cli(
        '--config',
        config,
        ...command,
        'triggers',
        '--registry',
        `${registry.host}/tekton-upstream`,
        '--ko-base-image',
        'static\ndefaultBaseImage: elsewhere',
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        '--ko-base-image "static\ndefaultBaseImage: elsewhere" is not an image reference.',
      );
    }
  });

  it('exits 2 on a registry that is not host/namespace, before building anything', async () => {
    const run = await runBundle(
      'cli',
      ['--config', config, 'build', '--component', 'pipeline', '--registry', 'https://x'],
      { PATH: process.env.PATH ?? '', HOME: root },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--registry "https://x" is not host/namespace.');
  });
});

describe('build-components, as the Actions runner runs it', () => {
  it(
    'builds, pushes and outputs images.json, with the token masked',
    { timeout: 120_000 },
    async () => {
      const step = runnerEnv({
        components: 'pipeline:v0.62.0\ntriggers',
        'components-file': config,
        registry: registry.host,
        'registry-token': registry.token,
        'registry-user': registry.username,
        'output-dir': tempDir('build-action'),
        'ko-base-image': baseImage,
      });
      const artifacts = await startArtifactService();
      const run = await runBundle('build-components', [], {
        ...step.env,
        ...artifacts.env,
        PATH: process.env.PATH ?? '',
        GOCACHE: goCache,
      }).finally(() => artifacts.stop());
      expect(run.stdout).not.toContain('::error');
      expect(run.code).toBe(0);
      // Each component's build log in its own group, and all of it in the artifact.
      expect(run.stdout).toMatch(
        /::group::pipeline build log\n\$ KO_DOCKER_REPO=.*\n[^]*?::endgroup::/,
      );
      expect(run.stdout).toContain('::group::triggers build log');
      expect(artifacts.artifacts.map((a) => [a.name, a.finalized])).toEqual([
        ['streamstress-images', true],
      ]);
      const zip = join(tempDir('artifact'), 'a.zip');
      writeFileSync(zip, artifacts.artifacts[0]?.body ?? '');
      const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
      expect(listing).toEqual(
        expect.arrayContaining([
          'images.json',
          'logs/build-pipeline.log',
          'logs/build-triggers.log',
        ]),
      );
      expect(execFileSync('unzip', ['-p', zip, 'images.json'], { encoding: 'utf8' })).toBe(
        readFileSync(readOutputs(step.output)['images-file'] ?? '', 'utf8'),
      );
      expect(readOutputs(step.output)['artifact-id']).toBe('1');
      expect(run.stdout).toContain(`::add-mask::${registry.token}`);
      const outputs = readOutputs(step.output);
      const images = ImagesSchema.parse(JSON.parse(outputs.images ?? ''));
      expect(images.components.flatMap((c) => c.images)).toHaveLength(12);
      expect(outputs['images-file']).toMatch(/images\.json$/);
      for (const image of images.components.flatMap((c) => c.images))
        expect(await manifestExists(image.ref, registry)).toBe(true);
      expect(readFileSync(step.output, 'utf8')).not.toContain(registry.token);
    },
  );

  it(
    'keeps images.json on disk and warns when the runner has no artifact service',
    { timeout: 60_000 },
    async () => {
      const step = runnerEnv({
        components: 'triggers',
        'components-file': config,
        registry: registry.host,
        'registry-token': registry.token,
        'registry-user': registry.username,
        'output-dir': tempDir('build-action'),
        'ko-base-image': baseImage,
      });
      const run = await runBundle('build-components', [], {
        ...step.env,
        PATH: process.env.PATH ?? '',
        GOCACHE: goCache,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /::warning::Artifact streamstress-images not uploaded: this runner provides no artifact service .*; the files stay in /,
      );
      const outputs = readOutputs(step.output);
      expect(outputs['artifact-id']).toBe('');
      expect(existsSync(outputs['images-file'] ?? '')).toBe(true);
    },
  );

  it('refuses a max-parallel that is not a whole number', async () => {
    const step = runnerEnv({
      components: 'triggers',
      'components-file': config,
      registry: registry.host,
      'registry-token': registry.token,
      'max-parallel': 'lots',
    });
    const run = await runBundle('build-components', [], {
      ...step.env,
      PATH: process.env.PATH ?? '',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error::max-parallel is "lots"; it must be a whole number above 0.',
    );
  });
});
