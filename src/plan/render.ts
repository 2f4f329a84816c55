import type { Plan } from './plan.js';

/** The plan as rows: one per component, the same columns for the terminal and the job summary. */
export function planRows(plan: Plan): { header: string[]; rows: string[][] } {
  return {
    header: ['component', 'ref', 'commit', 'images', 'repo'],
    rows: plan.components.map((c) => [
      c.name,
      c.asOf ? `${c.ref} as of ${c.asOf}` : c.ref,
      c.commit.slice(0, 12),
      c.images.map((i) => i.env).join(' '),
      c.repo,
    ]),
  };
}

/** A plain aligned table for a terminal; images are counted there to keep lines short. */
export function planTable(plan: Plan): string {
  const { header, rows } = planRows(plan);
  const shown = rows.map((r) =>
    r.map((cell, i) => (i === 3 ? String(cell.split(' ').length) : cell)),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...shown.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header.map((h) => h.toUpperCase())), ...shown.map(line)].join('\n');
}
