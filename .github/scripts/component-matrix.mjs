// The build matrix of streamstress-run.yml from the components input (read from the
// environment, never interpolated into a script): one entry per component spec, each with
// the artifact name its images go to, and the list of those names for deploy-upstream.
import { appendFileSync } from 'node:fs';

const specs = (process.env.COMPONENTS ?? '').split(/[\s,]+/).filter(Boolean);
if (specs.length === 0) {
  console.log('::error::The components input is empty: name at least one component.');
  process.exit(2);
}
const matrix = specs.map((component, index) => ({ component, artifact: `images-${index}` }));
const artifacts = matrix.map((m) => m.artifact).join(',');
appendFileSync(
  process.env.GITHUB_OUTPUT,
  `matrix=${JSON.stringify(matrix)}\nartifacts=${artifacts}\n`,
);
console.log(`${specs.length} components: ${specs.join(', ')}`);
