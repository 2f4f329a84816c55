import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import { ExitCode, StreamstressError } from '../errors.js';

/**
 * Uploads files as a workflow-run artifact. Outside a runner that provides the artifact service
 * (no ACTIONS_RUNTIME_TOKEN), it says so and uploads nothing: the files stay on disk.
 */
export async function uploadArtifact(
  name: string,
  files: string[],
  rootDirectory: string,
): Promise<{ id: number } | undefined> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    core.warning(
      `Artifact ${name} not uploaded: this runner provides no artifact service (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset); the files stay in ${rootDirectory}.`,
    );
    return undefined;
  }
  try {
    const { id } = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory);
    return { id: id ?? 0 };
  } catch (error) {
    throw new StreamstressError(`Uploading artifact ${name} failed: ${(error as Error).message}`, {
      exitCode: ExitCode.infrastructure,
      hint: `The files are still in ${rootDirectory}. An artifact name can be used once per workflow run: give each job its own artifact-name.`,
    });
  }
}
