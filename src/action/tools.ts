import * as core from '@actions/core';
import { programVersion, runProgram } from '../adapters/exec.js';
import { ensureGaugePlugins, ensureTool, gaugeRelease, koRelease } from '../adapters/tools.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { optionalInput } from './run-action.js';

const mirror = () => optionalInput('tools-mirror');

/** build-components: ko at `ko-version` when given (else the runner's own). */
export async function ensureKo(): Promise<void> {
  const version = optionalInput('ko-version');
  if (version) await ensureTool(koRelease(version, mirror()));
}

/**
 * run-release-tests: Gauge at `gauge-version` when given (verified against `gauge-sha256`),
 * then the `gauge-plugins` it lacks (`name` or `name@version`, by `gauge install`).
 */
export async function ensureGauge(): Promise<void> {
  const version = optionalInput('gauge-version');
  if (version) await ensureTool(gaugeRelease(version, optionalInput('gauge-sha256'), mirror()));
  // Without Gauge on PATH the test stage says so itself.
  if (!(await programVersion(runProgram, 'gauge', ['version']))) return;
  const plugins = (core.getInput('gauge-plugins') || 'go, xml-report')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((spec) => {
      const match = /^([a-z][a-z0-9-]*)(?:@(\d+(?:\.\d+)*))?$/.exec(spec);
      if (!match?.[1])
        throw new StreamstressError(
          `gauge-plugins: "${spec}" is not a plugin name, or name@version.`,
          { exitCode: ExitCode.infrastructure, hint: 'For example: go, xml-report@0.5.1' },
        );
      return { name: match[1], ...(match[2] ? { version: match[2] } : {}) };
    });
  const installed = await ensureGaugePlugins(plugins);
  if (installed.length > 0) core.info(`installed Gauge plugins: ${installed.join(', ')}`);
}
