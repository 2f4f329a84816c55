import * as core from '@actions/core';
import { notBuiltYet } from '../errors.js';
import { planFromRequest, planRows } from '../plan/index.js';
import { booleanInput, escapeHtml, optionalInput } from './run-action.js';

/** build-components: resolve the plan; with dry-run, publish it and stop there. */
export async function buildComponentsAction(): Promise<void> {
  const dryRun = booleanInput('dry-run');
  const componentsFile = optionalInput('components-file');
  const asOf = optionalInput('as-of');
  const plan = await planFromRequest({
    components: core.getInput('components', { required: true }),
    ...(componentsFile === undefined ? {} : { componentsFile }),
    ...(asOf === undefined ? {} : { asOf }),
  });
  core.setOutput('plan', JSON.stringify(plan));
  const { header, rows } = planRows(plan);
  await core.summary
    .addHeading(dryRun ? 'streamstress plan (dry run)' : 'streamstress plan', 2)
    .addTable([
      header.map((h) => ({ data: h, header: true })),
      ...rows.map((r) => r.map((cell) => escapeHtml(cell))),
    ])
    .write();
  core.info(
    `Planned ${plan.components.map((c) => `${c.name}@${c.commit.slice(0, 12)}`).join(', ')}`,
  );
  if (!dryRun) throw notBuiltYet('build');
}
