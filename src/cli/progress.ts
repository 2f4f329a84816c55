// How a long run shows what it is doing. On a terminal: a live block at the bottom, one line
// per stage and per component build with its elapsed time and what it waits for, redrawn in
// place while messages scroll above it. In CI or when piped: plain timestamped lines, one per
// message and per change of state, which read well in a log file.

export type ItemState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface Progress {
  /** A stage or a component (key `stage:component`): its state, and what it does or waits for. */
  item(key: string, label: string, state: ItemState, detail?: string): void;
  /** A timestamped line. */
  message(text: string): void;
  /** A command run (shown with --verbose only). */
  command(text: string): void;
  /** A line of a tool's own output, shown as it is. */
  output(line: string): void;
  /** Stops redrawing and leaves the final state on screen. */
  close(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface Item {
  label: string;
  state: ItemState;
  detail: string;
  startedAt?: number;
  endedAt?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SYMBOL: Record<Exclude<ItemState, 'running'>, string> = {
  waiting: '·',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
};

const clock = (now: number) => new Date(now).toISOString().slice(11, 19);

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * A terminal gets the live block unless CI is set (Actions sets it; its log is no terminal
 * even when a step pretends to be one); everything else gets plain lines.
 */
export function createProgress(
  stream: ProgressStream,
  options: { verbose?: boolean; live?: boolean; now?: () => number } = {},
): Progress {
  const now = options.now ?? Date.now;
  const live = options.live ?? (stream.isTTY === true && !process.env.CI);
  const items = new Map<string, Item>();
  let drawn = 0;
  let frame = 0;
  let closed = false;

  const line = (item: Item) => {
    const symbol =
      item.state === 'running' ? (SPINNER[frame % SPINNER.length] ?? '*') : SYMBOL[item.state];
    const elapsed =
      item.startedAt === undefined ? '' : formatElapsed((item.endedAt ?? now()) - item.startedAt);
    // One screen line per item, whatever the detail holds: the block is erased by counting lines.
    const detail = item.detail.replace(/\s+/g, ' ');
    const text = `${symbol} ${item.label.padEnd(22)} ${elapsed.padStart(6)}  ${detail}`.trimEnd();
    const width = Math.max(20, (stream.columns || 100) - 1);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  // Up to the block's first line and clear to the end of the screen, then draw it again.
  const erase = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  // A key `parent:child` (a component of the build) is drawn under its parent's line.
  const ordered = () =>
    [...items.keys()]
      .filter((key) => !key.includes(':'))
      .flatMap((parent) => [
        parent,
        ...[...items.keys()].filter((key) => key.startsWith(`${parent}:`)),
      ])
      .map((key) => items.get(key)!);
  const draw = () => {
    const lines = ordered().map(line);
    if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const above = (text: string) => {
    if (!live) return void stream.write(`${text}\n`);
    erase();
    stream.write(`${text}\n`);
    draw();
  };
  const timer = live
    ? setInterval(() => {
        frame++;
        erase();
        draw();
      }, 250)
    : undefined;
  timer?.unref();

  return {
    item(key, label, state, detail = '') {
      const known = items.get(key);
      const item: Item = known ?? { label, state, detail };
      const changed = known === undefined || known.state !== state;
      if (state === 'running' && item.startedAt === undefined) item.startedAt = now();
      if (state !== 'running' && state !== 'waiting' && item.startedAt !== undefined)
        item.endedAt ??= now();
      Object.assign(item, { label, state, detail });
      items.set(key, item);
      if (live) {
        erase();
        draw();
      } else if (changed) {
        stream.write(`${clock(now())} ${label.trim()}: ${state}${detail ? ` — ${detail}` : ''}\n`);
      }
    },
    message: (text) => above(`${clock(now())} ${text}`),
    command: (text) => {
      if (options.verbose) above(`${clock(now())} $ ${text}`);
    },
    output: (text) => above(text),
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (live) {
        erase();
        draw();
      }
      drawn = 0;
    },
  };
}
