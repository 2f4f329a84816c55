import type { KubeClient } from '../adapters/kube.js';

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
  let running = false;
  let again = false;
  const evaluate = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        // A failed read (a 404 mid-recreation, a dropped connection) waits for the next change.
        const value = await read().catch(() => undefined);
        if (value !== undefined) settle(value);
      } while (again && !abort.signal.aborted);
      running = false;
    })();
  };
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
