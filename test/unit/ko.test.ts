import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkKoBaseImage,
  koEnvironment,
  koFailure,
  kodataOutsideTree,
  koImageName,
  matchKoReferences,
  treeModule,
} from '../../src/build/ko.js';
import { StreamstressError } from '../../src/errors.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe("ko's image names", () => {
  it('are the last element and the md5 of the full, lower-cased import path', () => {
    expect(koImageName('github.com/tektoncd/pipeline', './cmd/controller')).toBe(
      `controller-${md5('github.com/tektoncd/pipeline/cmd/controller')}`,
    );
    expect(koImageName('github.com/Example/Tool', './cmd/Run')).toBe(
      `run-${md5('github.com/example/tool/cmd/run')}`,
    );
    expect(koImageName('github.com/tektoncd/pipeline', '.')).toBe(
      `pipeline-${md5('github.com/tektoncd/pipeline')}`,
    );
    // Without ./ it is a full import path, as ko takes it.
    expect(koImageName('github.com/tektoncd/pipeline', 'knative.dev/pkg/cmd/x')).toBe(
      `x-${md5('knative.dev/pkg/cmd/x')}`,
    );
  });

  it("pairs ko's lines with import paths by name, whatever their order", () => {
    const repo = '127.0.0.1:5000/ns';
    const names = new Map([
      ['./cmd/controller', 'controller-aaa'],
      ['./cmd/webhook', 'webhook-bbb'],
      ['./cmd/nop', 'nop-ccc'],
    ]);
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const stdout = [
      `${repo}/webhook-bbb@${digest('2')}`,
      `${repo}/controller-aaa@${digest('1')}`,
      'not a reference',
      '',
    ].join('\n');
    const { refs, missing } = matchKoReferences(stdout, repo, names);
    expect([...refs]).toEqual([
      ['./cmd/controller', `${repo}/controller-aaa@${digest('1')}`],
      ['./cmd/webhook', `${repo}/webhook-bbb@${digest('2')}`],
    ]);
    expect(missing).toEqual(['./cmd/nop']);
  });

  it("reads the module from the tree's go.mod", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamstress-ko-'));
    expect(await treeModule(dir)).toBeUndefined();
    writeFileSync(
      join(dir, 'go.mod'),
      '// c\nmodule "github.com/tektoncd/chains" // x\n\ngo 1.22\n',
    );
    expect(await treeModule(dir)).toBe('github.com/tektoncd/chains');
  });
});

describe("ko's environment", () => {
  it("keeps what Go and ko need, drops the runner's secrets, and sets streamstress's own", () => {
    const env = koEnvironment(
      {
        PATH: '/bin',
        HOME: '/home/u',
        GOPATH: '/go',
        GOPROXY: 'https://proxy.golang.org',
        CGO_ENABLED: '0',
        KO_DEFAULTPLATFORMS: 'linux/arm64',
        KO_CONFIG_PATH: '/tree/.ko.yaml',
        KO_DOCKER_REPO: 'elsewhere',
        HTTPS_PROXY: 'http://proxy:3128',
        'INPUT_REGISTRY-TOKEN': 'secret',
        ACTIONS_RUNTIME_TOKEN: 'secret',
        GITHUB_TOKEN: 'secret',
        STREAMSTRESS_REGISTRY_TOKEN: 'secret',
        KUBECONFIG: '/k',
        GOFLAGS: '-mod=mod',
        GOOGLE_APPLICATION_CREDENTIALS: '/creds.json',
        GOOGLE_OAUTH_ACCESS_TOKEN: 'secret',
      },
      { KO_DOCKER_REPO: 'r/ns', KO_CONFIG_PATH: '/private/.ko.yaml', GOFLAGS: '-mod=vendor' },
      false,
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      GOPATH: '/go',
      GOPROXY: 'https://proxy.golang.org',
      CGO_ENABLED: '0',
      KO_DEFAULTPLATFORMS: 'linux/arm64',
      HTTPS_PROXY: 'http://proxy:3128',
      KO_DOCKER_REPO: 'r/ns',
      KO_CONFIG_PATH: '/private/.ko.yaml',
      GOFLAGS: '-mod=vendor',
    });
  });

  it('drops KO_DEFAULTBASEIMAGE, which ko reads over its configuration, when a base image is given', () => {
    const from = { KO_DEFAULTBASEIMAGE: 'x.example/base' };
    expect(koEnvironment(from, {}, false)).toEqual(from);
    expect(koEnvironment(from, {}, true)).toEqual({});
  });

  it('takes an image reference as the base image and refuses anything else', () => {
    for (const ok of [
      'cgr.dev/chainguard/static',
      'ubuntu:24.04',
      'cgr.dev/chainguard/static:latest',
      '127.0.0.1:5000/base/static:latest',
      `registry.example/a/b:v1@sha256:${'0'.repeat(64)}`,
    ])
      expect(checkKoBaseImage(ok, '--ko-base-image')).toBe(ok);
    for (const bad of ['', '-x/y', 'a.b/c"', 'a.b/c d', 'a.b/c\ndefaultBaseImage: x'])
      expect(() => checkKoBaseImage(bad, '--ko-base-image')).toThrow(StreamstressError);
  });
});

describe('what a failed ko build says', () => {
  // Real ko v0.18.1 output, with the log lines' time stamps.
  const compileError = `2026/12/06 10:26:25 Using base 127.0.0.1:5123/base/static:latest@sha256:b7fd54be6e37ac3cd8d55cf39b7f4007c5b96421e79b5cc3254b53f359a7fc8b for github.com/tektoncd/pipeline/cmd/controller
2026/12/06 10:26:25 Building github.com/tektoncd/pipeline/cmd/controller for linux/amd64
Error: failed to publish images: error building "ko://github.com/tektoncd/pipeline/cmd/controller": build: go build: exit status 1: # github.com/tektoncd/pipeline/cmd/controller
cmd/controller/broken.go:3:9: undefined: signing
`;
  const unauthorized = `2026/12/06 10:26:25 cache.get("127.0.0.1:5123/base/static:latest") failed with GET http://127.0.0.1:5123/v2/base/static/manifests/latest: UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:base/static Type:repository]]
Error: failed to publish images: error building "ko://github.com/tektoncd/pipeline/cmd/controller": fetching base image: pulling 127.0.0.1:5123/base/static:latest: GET http://127.0.0.1:5123/v2/base/static/manifests/latest: UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:base/static Type:repository]]
`;

  it("is the compiler's message when Go does not compile, else ko's Error line", () => {
    expect(koFailure(compileError)).toBe('cmd/controller/broken.go:3:9: undefined: signing');
    expect(koFailure(unauthorized)).toMatch(
      /^Error: failed to publish images: .*fetching base image: .*UNAUTHORIZED/,
    );
    expect(koFailure('garbage')).toBeUndefined();
  });
});

describe('kodata links', () => {
  it('finds the ones that lead outside the tree, through directories and past cycles', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'streamstress-outside-'));
    const tree = mkdtempSync(join(tmpdir(), 'streamstress-tree-'));
    const kodata = join(tree, 'cmd', 'controller', 'kodata');
    mkdirSync(join(kodata, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'LICENSE'), 'Apache-2.0\n');
    symlinkSync('../../../LICENSE', join(kodata, 'LICENSE'));
    symlinkSync('../../../..', join(kodata, 'sub', 'root')); // the tree itself: a cycle
    symlinkSync(outside, join(kodata, 'sub', 'elsewhere'));
    symlinkSync('/nonexistent/file', join(kodata, 'dangling'));
    expect(await kodataOutsideTree(tree, ['./cmd/controller', './cmd/webhook'])).toEqual([
      { entry: 'cmd/controller/kodata/sub/elsewhere', target: outside },
    ]);
    expect(await kodataOutsideTree(tree, ['./cmd/webhook'])).toEqual([]);
  });
});
