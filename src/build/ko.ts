import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';

/**
 * What ko is told to read instead of the checkout's own `.ko.yaml`: the tree under build is
 * untrusted, and its `.ko.yaml` could name any base image or any build flags. ko reads the file
 * `KO_CONFIG_PATH` names and no other (ko v0.18 `options.LoadConfig`: viper's `SetConfigFile`
 * wins over the working directory). Written as JSON, which YAML reads, so no value needs YAML
 * quoting. Without a base image, ko keeps its own default (cgr.dev/chainguard/static).
 * `overrides` are ko's `baseImageOverrides`: full import path → base image.
 */
export async function writeKoConfig(
  file: string,
  baseImage: string | undefined,
  overrides: ReadonlyMap<string, string> = new Map(),
): Promise<string> {
  const config = {
    ...(baseImage === undefined ? {} : { defaultBaseImage: baseImage }),
    ...(overrides.size > 0 ? { baseImageOverrides: Object.fromEntries(overrides) } : {}),
  };
  await writeFile(file, `${JSON.stringify(config)}\n`, { mode: 0o600 });
  return file;
}

/** An image reference as ko's `defaultBaseImage` takes it; refused before anything is built. */
export function checkKoBaseImage(reference: string, flag: string): string {
  // ko parses it (go-containerregistry's name.ParseReference); this keeps out what is no
  // reference at all: blanks, line breaks, a leading dash.
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(reference)) {
    throw new StreamstressError(`${flag} "${reference}" is not an image reference.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Give host/repository[:tag][@sha256:digest], e.g. cgr.dev/chainguard/static:latest.',
    });
  }
  return reference;
}

// The variables ko and the go command it runs need, and nothing else: a build never sees the
// runner's tokens (ACTIONS_RUNTIME_TOKEN, INPUT_REGISTRY-TOKEN, GITHUB_TOKEN, ...).
const KEPT = new Set([
  'PATH',
  'HOME',
  'USER',
  'TMPDIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CC',
  'CXX',
  'SOURCE_DATE_EPOCH',
]);
// Go's own variables are GO<UPPER CASE> (GOFLAGS, GOPROXY, GOCACHE, …); GOOGLE_* are Google
// credentials (google-github-actions/auth), which ko's keychain would use: never kept.
const KEPT_PATTERNS = [/^GO(?!OGLE_)[A-Z0-9]+$/, /^CGO_/, /^KO_/];

/**
 * ko's whole environment: the kept variables of `from`, then `set`. ko reads `KO_*` variables
 * over its configuration file (viper's AutomaticEnv), so the ones streamstress decides are
 * dropped from `from`: KO_CONFIG_PATH, KO_DOCKER_REPO, and KO_DEFAULTBASEIMAGE when a base
 * image is given.
 */
export function koEnvironment(
  from: NodeJS.ProcessEnv,
  set: Record<string, string>,
  baseImageGiven: boolean,
): Record<string, string> {
  const dropped = new Set(['KO_CONFIG_PATH', 'KO_DOCKER_REPO']);
  if (baseImageGiven) dropped.add('KO_DEFAULTBASEIMAGE');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || dropped.has(name)) continue;
    if (KEPT.has(name) || KEPT_PATTERNS.some((p) => p.test(name))) env[name] = value;
  }
  return { ...env, ...set };
}

/**
 * The full import path ko builds for a configured one: `./x` and `.` are in the module of the
 * tree, anything else is already a full import path (ko's `QualifyImport`).
 */
export function fullImportPath(module: string, importPath: string): string {
  if (importPath === '.') return module;
  if (importPath.startsWith('./')) return `${module}/${importPath.slice(2)}`;
  return importPath;
}

/**
 * ko's default image name under KO_DOCKER_REPO: `<last element>-<md5 of the import path>`, of
 * the import path lower-cased as ko does before naming (ko `publish.defalt.Publish`,
 * `options.packageWithMD5`).
 */
export function koImageName(module: string, importPath: string): string {
  const full = fullImportPath(module, importPath).toLowerCase();
  const leaf = full.split('/').pop() ?? full;
  return `${leaf}-${createHash('md5').update(full).digest('hex')}`;
}

/** The `module` directive of the tree's go.mod, which is what ko names images by. */
export async function treeModule(tree: string): Promise<string | undefined> {
  const text = await readFile(join(tree, 'go.mod'), 'utf8').catch(() => '');
  const match = /^module\s+("?)([^\s"/][^\s"]*)\1\s*(?:\/\/.*)?$/m.exec(text);
  return match?.[2];
}

/**
 * Pairs each import path with the reference ko printed for it. ko prints one
 * `repo/name@sha256:…` line per distinct import path, in no particular order (it ranges over a
 * Go map), so the lines are matched by ko's image name, never by position.
 */
export function matchKoReferences(
  stdout: string,
  repository: string,
  names: ReadonlyMap<string, string>,
): { refs: Map<string, string>; missing: string[] } {
  const printed = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /@sha256:[0-9a-f]{64}$/.test(l));
  const refs = new Map<string, string>();
  const missing: string[] = [];
  for (const [importPath, name] of names) {
    const ref = printed.find((l) => l.startsWith(`${repository}/${name}@sha256:`));
    if (ref) refs.set(importPath, ref);
    else missing.push(importPath);
  }
  return { refs, missing };
}

/**
 * What a failed `ko build` says went wrong. ko ends with one `Error: failed to publish images:
 * error building "ko://…": build: go build: exit status 1: # <package>` line and puts the
 * compiler's messages (`file.go:line:column: message`) on the lines after it: those say what is
 * wrong, so they are given first (at most three). Otherwise ko's `Error:` line.
 */
export function koFailure(output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  const compiler = lines.filter((l) => /^[^\s:]+\.go:\d+(?::\d+)?: /.test(l));
  if (compiler.length > 0) {
    const more = compiler.length > 3 ? ` (and ${compiler.length - 3} more)` : '';
    return `${compiler.slice(0, 3).join('; ')}${more}`;
  }
  return lines.findLast((l) => l.startsWith('Error: '));
}

/**
 * The `kodata` entries of the tree's import paths that lead outside the tree. ko copies each
 * import path's `kodata/` into the image and follows every symbolic link in it, wherever it
 * points (ko `gobuild.walkRecursive`), so an untrusted commit could put any file of the build
 * machine — a kubeconfig, a credentials file — into an image pushed to the cluster's registry.
 * Links within the tree (Tekton links kodata files to the repository's own) are fine.
 */
export async function kodataOutsideTree(tree: string, importPaths: readonly string[]) {
  const root = await realpath(tree);
  const inside = (path: string) => path === root || path.startsWith(`${root}${sep}`);
  const found: { entry: string; target: string }[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => undefined);
    if (!real || seen.has(real)) return;
    seen.add(real);
    for (const name of await readdir(dir).catch(() => [])) {
      const entry = join(dir, name);
      const link = (await lstat(entry)).isSymbolicLink();
      const target = link ? await realpath(entry).catch(() => undefined) : entry;
      // A dangling link makes ko fail on its own, saying which.
      if (!target) continue;
      if (link && !inside(target)) {
        found.push({ entry: relative(tree, entry), target });
        continue;
      }
      if ((await stat(target)).isDirectory()) await walk(entry);
    }
  };
  for (const path of new Set(importPaths)) {
    if (path === '.' || path.startsWith('./')) await walk(join(tree, path, 'kodata'));
  }
  return found;
}
