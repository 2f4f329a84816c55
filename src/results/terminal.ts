/**
 * Gauge's console draws with colours and moves the cursor to rewrite lines it already printed
 * (a scenario heading gets its result marks that way). Reading the raw bytes would see some
 * lines twice and others garbled, so the text is replayed on a minimal line-based screen:
 * what remains is what a person saw.
 */
// CSI (ESC [ params letter), OSC (ESC ] … BEL/ST) and two-character escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r/g;

export function renderTerminal(raw: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let column = 0;
  const write = (text: string) => {
    const current = rows[row] ?? '';
    rows[row] =
      current.slice(0, column).padEnd(column) + text + current.slice(column + text.length);
    column += text.length;
  };
  for (const line of raw.split('\n')) {
    let last = 0;
    for (const match of line.matchAll(ESCAPE)) {
      write(line.slice(last, match.index));
      last = match.index + match[0].length;
      if (match[0] === '\r') {
        column = 0;
        continue;
      }
      const count = Math.max(1, Number((match[1] ?? '').split(';')[0]) || 1);
      switch (match[2]) {
        case 'A': // cursor up
        case 'F':
          row = Math.max(0, row - count);
          column = 0;
          break;
        case 'B': // cursor down
        case 'E':
          row += count;
          while (rows.length <= row) rows.push('');
          column = 0;
          break;
        case 'G': // to column
          column = count - 1;
          break;
        case 'K': // erase in line
          rows[row] = match[1] === '2' ? '' : (rows[row] ?? '').slice(0, column);
          if (match[1] === '2') column = 0;
          break;
        case 'J': // erase below
          rows.length = row + 1;
          rows[row] = (rows[row] ?? '').slice(0, column);
          break;
        default: // colours and other attributes change nothing on a text screen
      }
    }
    write(line.slice(last));
    row += 1;
    column = 0;
    while (rows.length <= row) rows.push('');
  }
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows.map((r) => r.trimEnd());
}
