import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kube } from './kube.js';

/** What the fault proxy does to the requests it forwards; everything off by default. */
export interface FaultMode {
  /** Answer with this status instead of forwarding... */
  status?: 500 | 503 | 429;
  /** ...for this share of requests (0..1)... */
  share?: number;
  /** ...or for exactly the next N requests. */
  next?: number;
  /** Sent with 429 and 503 answers. */
  retryAfterSeconds?: number;
  /** Delay before forwarding each request. */
  latencyMs?: number;
  /** Cut watch connections this long after they start. */
  dropWatchesAfterMs?: number;
  /** Answer the next N watches with a 410 Gone event, as after etcd compacted the history. */
  expireWatches?: number;
}

export interface FaultProxy {
  url: string;
  setMode(mode: FaultMode): void;
  /** Counts of what happened, for tests to show each mode at work. */
  stats: { forwarded: number; failed: number; droppedWatches: number; expiredWatches: number };
  stop(): Promise<void>;
}

/**
 * A loopback HTTPS proxy in front of the testbed API server that injects the failures real
 * clusters produce: 5xx and 429 answers (with Retry-After), latency, and watch connections cut
 * mid-stream. It serves the testbed's certificate, so clients verify it like the API server.
 */
export async function startFaultProxy(
  upstream: { server: string; ca: string },
  tls: { cert: string; key: string },
): Promise<FaultProxy> {
  let mode: FaultMode = {};
  const stats = { forwarded: 0, failed: 0, droppedWatches: 0, expiredWatches: 0 };
  const target = new URL(upstream.server);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const current = mode;
    if (current.latencyMs) await new Promise((r) => setTimeout(r, current.latencyMs));
    const failThis =
      current.status !== undefined &&
      (current.next !== undefined ? current.next > 0 : Math.random() < (current.share ?? 0));
    if (failThis && current.status) {
      if (current.next !== undefined) mode = { ...mode, next: current.next - 1 };
      stats.failed += 1;
      req.resume();
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (current.retryAfterSeconds !== undefined && current.status !== 500)
        headers['Retry-After'] = String(current.retryAfterSeconds);
      res.writeHead(current.status, headers);
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'injected by the testbed fault proxy',
          code: current.status,
        }),
      );
      return;
    }
    const isWatch = /[?&]watch=(1|true)/.test(req.url ?? '');
    if (isWatch && (current.expireWatches ?? 0) > 0) {
      mode = { ...mode, expireWatches: (current.expireWatches ?? 1) - 1 };
      stats.expiredWatches += 1;
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 } })}\n`,
      );
      return;
    }
    stats.forwarded += 1;
    const forward = httpsRequest(
      {
        hostname: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
        ca: upstream.ca,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (isWatch && current.dropWatchesAfterMs !== undefined) {
          setTimeout(() => {
            stats.droppedWatches += 1;
            answer.destroy();
            res.destroy();
          }, current.dropWatchesAfterMs);
        }
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  const server: Server = createServer(
    { cert: tls.cert, key: tls.key },
    (req, res) => void handle(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
    },
    stats,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Touches an object every `intervalMs` (a merge patch of an annotation) so that a writer who
 * read it before sees 409 Conflict on its update, as with a busy operator on a real cluster.
 */
export function startConcurrentWriter(
  kube: Kube,
  path: string,
  intervalMs = 50,
): { stop(): Promise<void>; writes: () => number } {
  let writes = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      await kube
        .mergePatch(path, {
          metadata: { annotations: { 'testbed.streamstress/touched': String(writes) } },
        })
        .catch(() => undefined);
      writes += 1;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
    writes: () => writes,
  };
}
