// Bundles every action entry and the CLI with ncc into dist/<name>/, reproducibly: the output
// depends only on the sources and the locked dependencies, so CI can rebuild and diff it.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

const entries = [
  ...readdirSync('actions')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ name: f.replace(/\.ts$/, ''), file: `actions/${f}` })),
  { name: 'cli', file: 'src/cli/main.ts' },
];

for (const { name, file } of entries) {
  rmSync(`dist/${name}`, { recursive: true, force: true });
  const result = spawnSync(
    process.execPath,
    [
      'node_modules/@vercel/ncc/dist/ncc/cli.js',
      'build',
      file,
      '-o',
      `dist/${name}`,
      '--target',
      'es2022',
      // Minified, the six bundles weigh a quarter as much in the repository; messages, not
      // stack traces, are what streamstress shows its users.
      '--minify',
      '--quiet',
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
