import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import { ExitCode, StreamstressError } from '../errors.js';

const NO_SERVICE =
  'this runner provides no artifact service (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset)';

function hasArtifactService(): boolean {
  return Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL);
}

/**
 * Uploads files as a workflow-run artifact. Outside a runner that provides the artifact service
 * (no ACTIONS_RUNTIME_TOKEN), it says so and uploads nothing: the files stay on disk.
 */
export async function uploadArtifact(
  name: string,
  files: string[],
  rootDirectory: string,
): Promise<{ id: number } | undefined> {
  if (!hasArtifactService()) {
    core.warning(
      `Artifact ${name} not uploaded: ${NO_SERVICE}; the files stay in ${rootDirectory}.`,
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

/** Downloads and unpacks an artifact of this workflow run into `directory`. */
export async function downloadArtifact(name: string, directory: string): Promise<void> {
  if (!hasArtifactService()) {
    throw new StreamstressError(`Cannot download artifact ${name}: ${NO_SERVICE}.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Outside GitHub Actions, pass the images.json itself (images-file).',
    });
  }
  const client = new DefaultArtifactClient();
  try {
    const { artifact } = await client.getArtifact(name);
    await client.downloadArtifact(artifact.id, { path: directory });
  } catch (error) {
    throw new StreamstressError(
      `Downloading artifact ${name} failed: ${(error as Error).message}`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Give the artifact-name build-components used in this workflow run, from a job that ran before this one (needs:).',
      },
    );
  }
}
