import { Command, CommanderError } from 'commander';
import { ExitCode, StreamstressError, describeError, exitCodeOf, notBuiltYet } from '../errors.js';
import { componentsNamed, planFromRequest, planTable } from '../plan/index.js';
import { analyseOutputDir } from '../results/analyse.js';
import { connectToCluster } from '../adapters/kube.js';
import { setupCluster } from '../cluster/setup.js';
import { checkPrerequisites, checksPass, formatCheckLine } from '../cluster/check.js';
import { runProgram } from '../adapters/exec.js';
import { runDeployStage } from '../cluster/stages.js';
import { parseRegistry, readTokenFile, runBuildStage } from '../build/stage.js';
import { checkKoBaseImage } from '../build/ko.js';
import { parsePositiveInteger, parseSeconds, parseStrategy } from '../input.js';
import { DEFAULT_RELEASE_TESTS_REPO } from '../suite/checkout.js';
import { DEFAULT_RETENTION, publishToBranch, publishToFolder } from '../publish/publish.js';
import { Git, refuseOptionLike } from '../adapters/git.js';
import { runAll } from '../run/run.js';
import { createProgress } from './progress.js';
import { resolve } from 'node:path';
import { defaultCacheDir } from '../plan/as-of.js';
import { parseExtraArgs, parseSpecDirs } from '../suite/inputs.js';
import { cancellationSignal, runTestStage } from '../suite/stage.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `streamstress` with the given arguments (without node and script) and returns its exit code. */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.passed;
  const program = createProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; every usage mistake is bad input (2).
      return error.exitCode === 0 ? ExitCode.passed : ExitCode.infrastructure;
    }
    io.stderr(`streamstress: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** `setExitCode` lets a command end with 1 (tests failed) without it being an error. */
function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('streamstress')
    .description(
      'Build upstream Tekton from source, swap it into OpenShift Pipelines, run release-tests, and report what broke.',
    )
    .option('--verbose', 'print the commands streamstress runs')
    .option('--no-auto-setup', 'do not prepare the cluster (registry route, namespace, operator)')
    .option('--config <file>', 'components file (default: config/components.toml of streamstress)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster (default: KUBECONFIG, then ~/.kube/config)',
    )
    .showHelpAfterError('(run streamstress --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const run = program
    .command('run')
    .description('set up, plan, build, deploy, test and report in one go (then restore, publish)')
    .requiredOption(
      '--components <specs>',
      'components to build: name or name:ref, separated by commas, spaces or newlines',
    )
    .option(
      '--as-of <date>',
      'build each default branch as it stood at the start of YYYY-MM-DD (UTC)',
    )
    .option('--dry-run', 'resolve refs and show the plan; touch no cluster')
    .option('--json', 'with --dry-run: print the plan as JSON')
    .option('--output-dir <dir>', 'where the run writes its records', './test-output')
    .option(
      '--registry <host/namespace>',
      'where images are pushed (default: the registry route and --image-namespace)',
    )
    .option('--skip-build', 'deploy the images of an earlier build (--images FILE) instead')
    .option('--images <file>', 'with --skip-build: the images.json of that build')
    .option(
      '--target-namespace <ns>',
      'namespace the Tekton workloads run in',
      'openshift-pipelines',
    )
    .option('--strategy <strategy>', 'deploy through auto, csv or deployment', 'auto')
    .option('--allow-new-env', 'add IMAGE_* variables the operator does not have yet')
    .option(
      '--setup-timeout <seconds>',
      'how long setup may wait for the route and operator',
      '600',
    )
    .option('--deploy-timeout <seconds>', 'how long the operator may take to run the images', '900')
    .option('--test-timeout <seconds>', 'stop Gauge after this long', '14400')
    .option('--restore-after', "put the operator's original images back when the run ends")
    .option('--label <text>', 'label of the run in results and on the dashboard')
    .option('--publish <path or url>', "publish the results to this repository's dashboard branch")
    .option('--publish-branch <name>', 'branch of the dashboard site', 'gh-pages');
  testFlags(namespaceFlags(buildFlags(run))).action(async (options: RunFlags) => {
    const global = program.opts<{ config?: string; autoSetup: boolean; verbose?: boolean }>();
    if (options.dryRun) {
      const plan = await planFromRequest({
        components: options.components,
        ...(global.config === undefined ? {} : { componentsFile: global.config }),
        ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      });
      io.stdout(options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planTable(plan)}\n`);
      return;
    }
    if (options.json)
      throw badInput('--json goes with --dry-run.', 'Add --dry-run, or leave --json out.');
    if (Boolean(options.skipBuild) !== Boolean(options.images))
      throw badInput(
        options.images ? '--images needs --skip-build.' : '--skip-build needs --images FILE.',
        'Reuse an earlier build with --skip-build --images test-output/images.json, or leave both out to build.',
      );
    if (options.registry) parseRegistry(options.registry);
    if (options.koBaseImage) checkKoBaseImage(options.koBaseImage, '--ko-base-image');
    const strategy = parseStrategy(options.strategy);
    const maxParallel =
      options.maxParallel === undefined
        ? undefined
        : parsePositiveInteger('--max-parallel', options.maxParallel);
    const inputs = testInputs(options, '--test-timeout', options.testTimeout);
    const setupTimeoutSeconds = parseSeconds('--setup-timeout', options.setupTimeout);
    const deployTimeoutSeconds = parseSeconds('--deploy-timeout', options.deployTimeout);
    if (options.publish) refuseOptionLike(options.publish);

    const stream = process.stderr;
    const display = createProgress(
      {
        write: (text) => io.stderr(text),
        isTTY: stream.isTTY && io === processIo,
        columns: stream.columns,
      },
      { verbose: global.verbose ?? false },
    );
    const cancellation = cancellationSignal();
    try {
      const outcome = await runAll({
        runId: localRunId(),
        ...(options.label ? { label: options.label } : {}),
        outputDir: options.outputDir,
        connect: cluster,
        autoSetup: global.autoSetup,
        setup: {
          imageNamespace: options.imageNamespace,
          operatorNamespace: options.operatorNamespace,
          timeoutSeconds: setupTimeoutSeconds,
        },
        ...(options.registry ? { registry: options.registry } : {}),
        ...(options.images ? { imagesFile: options.images } : {}),
        build: {
          components: options.components,
          ...(global.config ? { componentsFile: global.config } : {}),
          ...(options.asOf ? { asOf: options.asOf } : {}),
          ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
          ...(options.koBaseImage ? { koBaseImage: options.koBaseImage } : {}),
          ...(maxParallel ? { maxParallel } : {}),
          ...(options.failFast ? { failFast: true } : {}),
          username: options.registryUser,
          token: () => registryToken(options.tokenFile),
        },
        deploy: {
          strategy,
          timeoutSeconds: deployTimeoutSeconds,
          propagationTimeoutSeconds: 60,
          operatorNamespace: options.operatorNamespace,
          targetNamespace: options.targetNamespace,
          allowNewEnv: options.allowNewEnv ?? false,
        },
        test: { ...inputs, ...kubeconfigPath() },
        restoreAfter: options.restoreAfter ?? false,
        ...(options.publish
          ? {
              publish: async (resultsFile: string) => {
                const published = await publishToBranch({
                  resultsFile,
                  retention: DEFAULT_RETENTION,
                  git: new Git(),
                  repo: options.publish!,
                  branch: options.publishBranch,
                  onProgress: (message) => display.message(message),
                });
                return `run ${published.runId} on ${options.publishBranch} of ${options.publish}`;
              },
            }
          : {}),
        signal: cancellation.signal,
        progress: display,
      });
      display.close();
      io.stdout(outcome.analysis.summary);
      io.stdout(`\nRecords: ${resolve(options.outputDir)}\n`);
      setExitCode(outcome.exitCode);
    } finally {
      display.close();
      cancellation.dispose();
    }
  });

  // The other stages are filled in issue by issue; their flags are the seed's already.
  const stage = (name: string, description: string, stageName: string) =>
    program
      .command(name)
      .description(description)
      .action(() => {
        throw notBuiltYet(stageName);
      });
  const globals = () => program.opts<{ config?: string; kubeconfig?: string; verbose?: boolean }>();
  const progress = (message: string) =>
    io.stderr(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
  const cluster = () => {
    const { kubeconfig, verbose } = globals();
    return connectToCluster({
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(verbose ? { onRetry: progress } : {}),
    });
  };

  const kubeconfigPath = () => {
    const { kubeconfig } = globals();
    return kubeconfig ? { kubeconfigPath: kubeconfig } : {};
  };

  const registryToken = async (tokenFile: string | undefined) => {
    if (tokenFile) return readTokenFile(tokenFile);
    if (process.env.STREAMSTRESS_REGISTRY_TOKEN) return process.env.STREAMSTRESS_REGISTRY_TOKEN;
    const token = (await cluster()).bearerToken();
    if (!token)
      throw new StreamstressError(
        'No registry token: none of --token-file, STREAMSTRESS_REGISTRY_TOKEN or a kubeconfig token.',
        { exitCode: ExitCode.infrastructure },
      );
    return token;
  };

  const build = program
    .command('build')
    .description(
      'check out the planned commits, build images with ko, push them by digest, write images.json',
    )
    .requiredOption('--component <specs>', 'components to build, as for run --components')
    .requiredOption('--registry <host/namespace>', 'registry route and namespace to push to')
    .option(
      '--as-of <date>',
      'build each default branch as it stood at the start of YYYY-MM-DD (UTC)',
    )
    .option('--cache-dir <dir>', 'where fetched upstream history is kept between runs')
    .option(
      '--output-dir <dir>',
      'where plan.json, images.json and the build logs go',
      './test-output',
    );
  buildFlags(build).action(
    async (options: {
      component: string;
      registry: string;
      asOf?: string;
      cacheDir?: string;
      outputDir: string;
      maxParallel?: string;
      failFast?: boolean;
      koBaseImage?: string;
      tokenFile?: string;
      registryUser: string;
    }) => {
      parseRegistry(options.registry);
      if (options.koBaseImage) checkKoBaseImage(options.koBaseImage, '--ko-base-image');
      const maxParallel =
        options.maxParallel === undefined
          ? undefined
          : parsePositiveInteger('--max-parallel', options.maxParallel);
      const { config } = globals();
      const result = await runBuildStage({
        components: options.component,
        registry: options.registry,
        ...(config ? { componentsFile: config } : {}),
        ...(options.asOf ? { asOf: options.asOf } : {}),
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        outputDir: options.outputDir,
        ...(options.koBaseImage ? { koBaseImage: options.koBaseImage } : {}),
        ...(maxParallel ? { maxParallel } : {}),
        ...(options.failFast ? { failFast: true } : {}),
        username: options.registryUser,
        token: () => registryToken(options.tokenFile),
        onProgress: progress,
      });
      const count = result.images.components.reduce((n, c) => n + c.images.length, 0);
      io.stdout(
        `Built ${count} images of ${result.images.components.map((c) => c.name).join(', ') || 'no component'}; every digest is in the registry. ${result.file}\n`,
      );
      for (const failure of result.failures) io.stdout(`failed: ${failure.error}\n`);
      if (result.failures.length > 0) setExitCode(ExitCode.infrastructure);
    },
  );

  program
    .command('check')
    .description(
      'verify tools, cluster access, each permission, operator, registry route and metrics API',
    )
    .option(
      '--operator-namespace <ns>',
      'namespace of the OpenShift Pipelines operator',
      'openshift-operators',
    )
    .action(async (options: { operatorNamespace: string }) => {
      const lines = await checkPrerequisites({
        run: runProgram,
        connect: cluster,
        operatorNamespace: options.operatorNamespace,
      });
      for (const line of lines) io.stdout(`${formatCheckLine(line)}\n`);
      const pass = checksPass(lines);
      io.stdout(pass ? 'All hard prerequisites hold.\n' : 'Some hard prerequisites are missing.\n');
      if (!pass) setExitCode(ExitCode.infrastructure);
    });

  const setup = program
    .command('setup')
    .description(
      'prepare the cluster: registry route, image namespace, pull rights, operator (idempotent)',
    );
  namespaceFlags(setup)
    .option('--channel <channel>', 'OLM channel when the operator has to be installed', 'latest')
    .option('--catalog-source <name>', 'OLM catalog source', 'redhat-operators')
    .option(
      '--catalog-source-namespace <ns>',
      'namespace of the catalog source',
      'openshift-marketplace',
    )
    .option('--timeout <seconds>', 'how long to wait for the route and the operator', '600')
    .option(
      '--components <list>',
      'components to be deployed: creates the operator resource those that need one install by (manual-approval-gate)',
    )
    .action(
      async (options: {
        imageNamespace: string;
        operatorNamespace: string;
        channel: string;
        catalogSource: string;
        catalogSourceNamespace: string;
        timeout: string;
        components?: string;
      }) => {
        const timeoutMs = parseSeconds('--timeout', options.timeout) * 1000;
        const components = options.components
          ? await componentsNamed(options.components, globals().config)
          : [];
        const result = await setupCluster({
          components,
          kube: await cluster(),
          imageNamespace: options.imageNamespace,
          operatorNamespace: options.operatorNamespace,
          channel: options.channel,
          catalogSource: options.catalogSource,
          catalogSourceNamespace: options.catalogSourceNamespace,
          timeoutMs,
          onStep: (step) => io.stdout(`${step.status.padEnd(8)}${step.step}: ${step.detail}\n`),
        });
        io.stdout(
          `registry route: ${result.registryRoute}\ninternal registry: ${result.internalRegistry}\noperator version: ${result.operatorVersion ?? 'unknown'}\n`,
        );
      },
    );

  const deployOptions = (command: Command) =>
    command
      .option(
        '--strategy <strategy>',
        'auto (the CSV, then the Deployment if the change does not arrive), csv or deployment',
        'auto',
      )
      .option('--timeout <seconds>', 'how long the operator may take to run the images', '900')
      .option(
        '--propagation-timeout <seconds>',
        'with auto: how long a CSV change may take to reach the Deployment',
        '60',
      )
      .option(
        '--operator-namespace <ns>',
        'namespace of the OpenShift Pipelines operator',
        'openshift-operators',
      )
      .option(
        '--target-namespace <ns>',
        'namespace the Tekton workloads run in',
        'openshift-pipelines',
      )
      .option('--output-dir <dir>', 'where deployment.json goes', './test-output');
  type DeployFlags = {
    images?: string;
    registry?: string;
    component?: string;
    tokenFile?: string;
    registryUser: string;
    strategy: string;
    timeout: string;
    propagationTimeout: string;
    operatorNamespace: string;
    targetNamespace: string;
    outputDir: string;
    allowNewEnv?: boolean;
  };
  const runDeploy = async (options: DeployFlags, restore: boolean) => {
    if (!restore && !options.images === !(options.registry && options.component)) {
      throw new StreamstressError(
        options.images
          ? 'Give either --images or --registry with --component, not both.'
          : 'deploy needs --images FILE, or --registry HOST/NAMESPACE with --component NAMES.',
        {
          exitCode: ExitCode.infrastructure,
          hint: 'Pass the images.json that build-components wrote (streamstress deploy --images test-output/images.json), or the registry and components to look up (streamstress deploy --registry HOST/tekton-upstream --component pipeline,triggers).',
        },
      );
    }
    const { config } = globals();
    const lookup =
      !restore && options.registry && options.component
        ? { registry: parseRegistry(options.registry), components: options.component }
        : undefined;
    const strategy = parseStrategy(options.strategy);
    const timeoutSeconds = parseSeconds('--timeout', options.timeout);
    const propagationTimeoutSeconds = parseSeconds(
      '--propagation-timeout',
      options.propagationTimeout,
    );
    const { record, file } = await runDeployStage({
      connect: cluster,
      ...(options.images ? { imagesFile: options.images } : {}),
      ...(lookup
        ? {
            lookup: {
              ...lookup,
              credentials: async () => ({
                username: options.registryUser,
                token: await registryToken(options.tokenFile),
              }),
            },
          }
        : {}),
      restore,
      ...(config ? { componentsFile: config } : {}),
      strategy,
      timeoutSeconds,
      propagationTimeoutSeconds,
      operatorNamespace: options.operatorNamespace,
      targetNamespace: options.targetNamespace,
      allowNewEnv: options.allowNewEnv ?? false,
      outputDir: options.outputDir,
      onProgress: progress,
    });
    io.stdout(
      `${restore ? 'Restored' : 'Deployed'} ${record.changes.length} IMAGE_* values through ${record.patched.join(', then ')}${record.fallback ? ` (${record.fallback})` : ''}; ` +
        `installer sets re-created: ${record.installerSets.created.join(', ') || 'none'}; ${record.verified.length} images verified running after ${record.reconcileSeconds} s. Record: ${file}\n`,
    );
  };
  deployOptions(
    program
      .command('deploy')
      .description('swap built images into the operator and wait until they run'),
  )
    .option('--images <file>', 'images.json from build-components')
    .option('--registry <host/namespace>', 'registry route and namespace the images were pushed to')
    .option(
      '--component <specs>',
      'with --registry: components to look up, as name or name:TAG (default tag latest)',
    )
    .option('--token-file <file>', 'with --registry: registry token, as for build')
    .option('--registry-user <name>', 'with --registry: user name for the registry', 'streamstress')
    .option('--allow-new-env', 'add IMAGE_* variables the operator does not have yet')
    .action((options: DeployFlags) => runDeploy(options, false));
  deployOptions(
    program
      .command('restore')
      .description("put back the operator's original images recorded by deploy"),
  ).action((options: DeployFlags) => runDeploy(options, true));

  const test = program
    .command('test')
    .description(
      'run the release-tests Gauge suite and write results.json (and a resource profile)',
    )
    .option('--timeout <seconds>', 'stop Gauge after this long', '14400')
    .option('--output-dir <dir>', 'where the run writes its records', './test-output');
  testFlags(test).action(async (options: TestFlags & { timeout: string; outputDir: string }) => {
    const inputs = testInputs(options, '--timeout', options.timeout);
    const cancellation = cancellationSignal();
    try {
      const result = await runTestStage({
        ...inputs,
        connect: cluster,
        ...kubeconfigPath(),
        outputDir: options.outputDir,
        signal: cancellation.signal,
        runId: localRunId(),
        onProgress: progress,
        onWarning: (message) => progress(`warning: ${message}`),
        onGaugeLine: (line) => io.stderr(`${line}\n`),
      });
      io.stdout(result.summary);
      if (result.profile) io.stdout(`\nParallelism: ${result.profile.recommendation.reasoning}\n`);
      setExitCode(result.results.exitCode);
    } finally {
      cancellation.dispose();
    }
  });
  program
    .command('results')
    .description(
      're-analyse the output directory of a past run: write results.json and summary.md, print the summary',
    )
    .option('--output-dir <dir>', 'the run output directory', './test-output')
    .option('--baseline <file>', 'a results.json of an earlier run to compare with')
    .option(
      '--categories <file>',
      'failure categories file (default: config/categories.toml of streamstress)',
    )
    .option('--json', 'print results.json instead of the summary')
    .action(
      async (options: {
        outputDir: string;
        baseline?: string;
        categories?: string;
        json?: boolean;
      }) => {
        const analysis = await analyseOutputDir(options.outputDir, {
          ...(options.baseline === undefined ? {} : { baselineFile: options.baseline }),
          ...(options.categories === undefined ? {} : { categoriesFile: options.categories }),
        });
        io.stdout(
          options.json ? `${JSON.stringify(analysis.results, null, 2)}\n` : analysis.summary,
        );
        setExitCode(analysis.results.exitCode);
      },
    );
  stage('status', 'list streamstress Jobs in the cluster', 'status');
  stage('logs', 'stream the logs of the newest (or a named) streamstress Job', 'logs').option(
    '--job <name>',
    'the Job to follow',
  );
  program
    .command('publish')
    .description('add a run to the dashboard site on a git branch (or in a folder)')
    .requiredOption('--results <file>', 'the results.json of the run')
    .option('--label <text>', 'label shown for the run')
    .option('--repo <path or url>', 'git repository whose branch holds the site')
    .option('--branch <name>', 'branch of the site', 'gh-pages')
    .option('--out <dir>', 'write the site into this folder instead of a repository')
    .option(
      '--retention <n>',
      'runs kept in full; older ones keep their summary',
      String(DEFAULT_RETENTION),
    )
    .action(
      async (options: {
        results: string;
        label?: string;
        repo?: string;
        branch: string;
        out?: string;
        retention: string;
      }) => {
        if (!options.repo === !options.out) {
          throw new StreamstressError(
            options.repo ? 'Give --repo or --out, not both.' : 'publish needs --repo or --out.',
            {
              exitCode: ExitCode.infrastructure,
              hint: 'streamstress publish --results test-output/results/results.json --repo <path or URL of the site repository>, or --out <folder>.',
            },
          );
        }
        const common = {
          resultsFile: options.results,
          ...(options.label === undefined ? {} : { label: options.label }),
          retention: parsePositiveInteger('--retention', options.retention),
          onProgress: progress,
        };
        if (options.out) {
          const index = await publishToFolder({ ...common, dir: options.out });
          io.stdout(`Wrote the site with ${index.runs.length} runs to ${options.out}\n`);
          return;
        }
        const result = await publishToBranch({
          ...common,
          git: new Git(),
          repo: options.repo ?? '',
          branch: options.branch,
        });
        io.stdout(
          `${result.pushed ? 'Published' : 'Already published:'} run ${result.runId} on ${options.branch} of ${options.repo}; the site lists ${result.index.runs.length} runs.\n`,
        );
      },
    );
  return program;
}

/** The flags `test` and `run` share for the release-tests suite. */
function testFlags(command: Command): Command {
  return command
    .option('--release-tests-repo <url>', 'release-tests repository', DEFAULT_RELEASE_TESTS_REPO)
    .option('--release-tests-ref <ref>', 'release-tests branch, tag or commit', 'master')
    .option(
      '--tags <expr>',
      'Gauge tag expression (default: e2e, without skip-<OpenShift version> and to-do)',
    )
    .option('--specs <dirs>', 'spec directories inside release-tests', 'specs')
    .option('--env <name>', 'Gauge environment (env/<name>)')
    .option('--parallel <n>', 'parallel Gauge streams')
    .option('--gauge-args <args>', 'more arguments for gauge run, separated by spaces')
    .option('--profile', 'profile CPU, memory and pods per spec through the metrics API')
    .option('--profile-interval <seconds>', 'seconds between metrics samples', '5')
    .option('--categories <file>', 'failure categories file')
    .option('--cache-dir <dir>', 'where fetched upstream and release-tests history is kept');
}

interface TestFlags {
  releaseTestsRepo: string;
  releaseTestsRef: string;
  tags?: string;
  specs: string;
  env?: string;
  parallel?: string;
  gaugeArgs?: string;
  profile?: boolean;
  profileInterval: string;
  categories?: string;
  cacheDir?: string;
}

/** The test stage's inputs from its flags, each checked before anything runs. */
function testInputs(options: TestFlags, timeoutFlag: string, timeout: string) {
  const parallelStreams =
    options.parallel === undefined
      ? undefined
      : parsePositiveInteger('--parallel', options.parallel);
  return {
    git: new Git(),
    releaseTestsRepo: options.releaseTestsRepo,
    releaseTestsRef: options.releaseTestsRef,
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    specDirs: parseSpecDirs(options.specs),
    ...(options.env ? { gaugeEnv: options.env } : {}),
    ...(parallelStreams ? { parallelStreams } : {}),
    extraArgs: parseExtraArgs(options.gaugeArgs),
    timeoutSeconds: parseSeconds(timeoutFlag, timeout),
    profile: options.profile ?? false,
    profileIntervalSeconds: parseSeconds('--profile-interval', options.profileInterval),
    ...(options.categories ? { categoriesFile: options.categories } : {}),
  };
}

interface RunFlags extends TestFlags {
  components: string;
  asOf?: string;
  dryRun?: boolean;
  json?: boolean;
  outputDir: string;
  registry?: string;
  skipBuild?: boolean;
  images?: string;
  maxParallel?: string;
  failFast?: boolean;
  koBaseImage?: string;
  tokenFile?: string;
  registryUser: string;
  imageNamespace: string;
  operatorNamespace: string;
  targetNamespace: string;
  strategy: string;
  allowNewEnv?: boolean;
  setupTimeout: string;
  deployTimeout: string;
  testTimeout: string;
  restoreAfter?: boolean;
  label?: string;
  publish?: string;
  publishBranch: string;
}

const badInput = (message: string, hint: string) =>
  new StreamstressError(message, { exitCode: ExitCode.infrastructure, hint });

const localRunId = () => `local-${new Date().toISOString().replace(/[-:.]/g, '')}`;

/** The flags `build` and `run` share for building and pushing. */
function buildFlags(command: Command): Command {
  return command
    .option('--max-parallel <n>', 'components built at once (default: the number of CPUs)')
    .option('--fail-fast', 'stop starting builds after the first failure')
    .option(
      '--ko-base-image <ref>',
      "ko's base image for the Go components (default: ko's own, cgr.dev/chainguard/static)",
    )
    .option(
      '--token-file <file>',
      'registry token (else STREAMSTRESS_REGISTRY_TOKEN, else the kubeconfig token)',
    )
    .option('--registry-user <name>', 'user name for the registry', 'streamstress');
}

/** The flags `setup` and `run` share for where images and the operator live. */
function namespaceFlags(command: Command): Command {
  return command
    .option('--image-namespace <ns>', 'namespace that receives the built images', 'tekton-upstream')
    .option(
      '--operator-namespace <ns>',
      'namespace of the OpenShift Pipelines operator',
      'openshift-operators',
    );
}
