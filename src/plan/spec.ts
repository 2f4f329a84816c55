import { ExitCode, StreamstressError } from '../errors.js';
import type { ComponentRegistry } from '../config/components.js';
import { printable, refProblem } from './refs.js';

/** One requested component: its name and, when the user pinned one, the ref to build. */
export interface ComponentRequest {
  name: string;
  ref?: string;
}

/**
 * Parses `--components`: `pipeline`, `pipeline:v0.62.0`, `triggers:pr/123`, `chains:<sha>`,
 * separated by commas, spaces or newlines (an action input may be multi-line). Every problem
 * is reported at once, before anything runs.
 */
export function parseComponentSpecs(text: string, registry: ComponentRegistry): ComponentRequest[] {
  const known = registry.components.map((c) => c.name);
  const problems: string[] = [];
  const requests: ComponentRequest[] = [];
  const items = text.split(/[,\s]+/).filter((item) => item !== '');
  if (items.length === 0) {
    throw new StreamstressError('No component was given.', {
      exitCode: ExitCode.infrastructure,
      hint: `Name one or more of: ${known.join(', ')} (e.g. --components "pipeline,triggers:v0.30.0").`,
    });
  }
  for (const item of items) {
    const colon = item.indexOf(':');
    const name = colon === -1 ? item : item.slice(0, colon);
    const ref = colon === -1 ? undefined : item.slice(colon + 1);
    if (!known.includes(name)) {
      problems.push(
        `unknown component "${printable(name)}"; known components: ${known.join(', ')}`,
      );
      continue;
    }
    if (requests.some((r) => r.name === name)) {
      problems.push(
        `${name} is given more than once; give each component once, with at most one ref`,
      );
      continue;
    }
    if (ref !== undefined) {
      const problem = refProblem(ref);
      if (problem) {
        problems.push(`${name}: ${problem}`);
        continue;
      }
    }
    requests.push(ref === undefined ? { name } : { name, ref });
  }
  if (problems.length > 0) {
    throw new StreamstressError(
      `The component list is invalid (${problems.length} problem${problems.length > 1 ? 's' : ''}):`,
      {
        exitCode: ExitCode.infrastructure,
        problems,
        hint: 'Write components as name or name:ref, e.g. "pipeline:v0.62.0, triggers:pr/123, chains:main".',
      },
    );
  }
  return requests;
}
