import type { KubeClient } from '../adapters/kube.js';

/**
 * Runs `work` when triggered, one run at a time: a trigger during a run causes exactly one more
 * run after it, however many arrive. `idle` resolves when no run is in progress.
 */
export function coalesce(
  work: () => Promise<void>,
  signal: AbortSignal,
): { trigger(): void; idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const trigger = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await work();
      } while (again && !signal.aborted);
      running = undefined;
    })();
  };
  return { trigger, idle: async () => void (await running) };
}

/**
 * Calls `read` after every change under the watched paths (coalesced: one read at a time, one
 * more if something changed meanwhile) until it gives a value or the time is up (undefined).
 * Watching, not polling: a change is seen as soon as the API server reports it.
 */
export async function watchUntil<T>(
  kube: KubeClient,
  watchPaths: readonly string[],
  timeoutMs: number,
  read: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const abort = new AbortController();
  let settle: (value: T | undefined) => void = () => undefined;
  const result = new Promise<T | undefined>((resolve) => (settle = resolve));
  const evaluate = coalesce(async () => {
    // A failed read (a 404 mid-recreation, a dropped connection) waits for the next change.
    const value = await read().catch(() => undefined);
    if (value !== undefined) settle(value);
  }, abort.signal).trigger;
  const timer = setTimeout(() => settle(undefined), timeoutMs);
  const watching = watchPaths.map((path) =>
    kube.watch(path, { onEvent: evaluate, onList: evaluate }, abort.signal),
  );
  const outcome = await result;
  clearTimeout(timer);
  abort.abort();
  await Promise.allSettled(watching);
  return outcome;
}
