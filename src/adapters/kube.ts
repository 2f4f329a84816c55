import { existsSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { ExitCode, StreamstressError } from '../errors.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    deletionTimestamp?: string;
    finalizers?: string[];
    creationTimestamp?: string;
    ownerReferences?: { apiVersion?: string; kind: string; name: string; uid: string }[];
  };
  [field: string]: unknown;
}

/** An answer of the API server that is not a success, with its Status reason and message. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly detail: string,
    readonly what: string,
  ) {
    super(`${what}: ${status} ${reason}${detail ? `: ${detail}` : ''}`);
    this.name = 'KubeError';
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8000 };

// Worth another try: the server is busy or briefly unavailable, or the connection broke.
const RETRIABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRIABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

export interface WatchHandlers {
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  /** After a (re)list: the full current state, as after a 410 Gone. */
  onList?(items: KubeObject[]): void;
}

/**
 * The Kubernetes API as streamstress uses it: JSON over HTTPS with the kubeconfig's
 * credentials, retries that honour Retry-After and back off with jitter, and watches that
 * resume from the last resourceVersion and re-list when the server says 410 Gone.
 */
export class KubeClient {
  constructor(
    readonly server: string,
    private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>,
    private readonly headers: Record<string, string>,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly onRetry: (message: string) => void = () => undefined,
  ) {}

  /** The bearer token the client authenticates with, if it uses one (the registry accepts it too). */
  bearerToken(): string | undefined {
    const header = this.headers.Authorization ?? this.headers.authorization;
    return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  }

  async request<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await this.once(method, path, body, contentType);
        return (text ? JSON.parse(text) : undefined) as T;
      } catch (error) {
        const retriable = error instanceof RetriableError;
        if (!retriable || attempt >= this.retry.attempts) throw retriable ? error.cause : error;
        const backoff = Math.min(
          this.retry.maxDelayMs,
          this.retry.baseDelayMs * 2 ** (attempt - 1),
        );
        const delay = error.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
        this.onRetry(
          `${method} ${path}: ${(error.cause as Error).message}; retrying in ${Math.round(delay)} ms (${attempt}/${this.retry.attempts - 1})`,
        );
        await sleep(delay);
      }
    }
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async getOrUndefined<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) return undefined;
      throw error;
    }
  }

  async list<T = KubeObject>(path: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    return (await this.get<{ items: T[] }>(`${path}${query}`)).items;
  }

  create<T = KubeObject>(path: string, object: unknown): Promise<T> {
    return this.request<T>('POST', path, object);
  }

  mergePatch<T = KubeObject>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, patch, 'application/merge-patch+json');
  }

  jsonPatch<T = KubeObject>(path: string, operations: unknown[]): Promise<T> {
    return this.request<T>('PATCH', path, operations, 'application/json-patch+json');
  }

  /** Deletes, ignoring "not found"; `gracePeriodSeconds: 0` removes a pod bound to a node at once. */
  async delete(path: string, options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    // Options go in the query: the API server misreads a DELETE body on a keep-alive connection.
    const grace =
      options.gracePeriodSeconds === undefined
        ? ''
        : `&gracePeriodSeconds=${options.gracePeriodSeconds}`;
    try {
      await this.request('DELETE', `${path}?propagationPolicy=Background${grace}`);
    } catch (error) {
      if (!(error instanceof KubeError && error.status === 404)) throw error;
    }
  }

  /**
   * Lists `path`, then follows its changes until `signal` aborts. A broken stream resumes from
   * the last resourceVersion seen; 410 Gone (history compacted) re-lists.
   */
  async watch(path: string, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await this.get<{
            metadata: { resourceVersion: string };
            items: KubeObject[];
          }>(path);
          resourceVersion = list.metadata.resourceVersion;
          handlers.onList?.(list.items);
        }
        const separator = path.includes('?') ? '&' : '?';
        const gone = await this.stream(
          `${path}${separator}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`,
          signal,
          (type, object) => {
            failures = 0;
            resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
            if (type !== 'BOOKMARK')
              handlers.onEvent(type as 'ADDED' | 'MODIFIED' | 'DELETED', object);
          },
        );
        if (gone) resourceVersion = undefined;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeError && error.status === 410) resourceVersion = undefined;
        failures += 1;
        const backoff = Math.min(
          this.retry.maxDelayMs,
          this.retry.baseDelayMs * 2 ** Math.min(failures, 6),
        );
        await sleep(backoff / 2 + Math.random() * (backoff / 2), undefined, { signal }).catch(
          () => undefined,
        );
      }
    }
  }

  /** Resolves true when the server ended the watch with 410 Gone. */
  private stream(
    path: string,
    signal: AbortSignal,
    onEvent: (type: string, object: KubeObject) => void,
  ): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, this.server),
        {
          method: 'GET',
          ...this.tls,
          headers: { ...this.headers, Accept: 'application/json' },
          signal,
        },
        (res) => {
          if (res.statusCode !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              reject(
                kubeError(
                  res.statusCode ?? 0,
                  Buffer.concat(chunks).toString('utf8'),
                  `watch ${path}`,
                ),
              ),
            );
            return;
          }
          let buffer = '';
          let gone = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            for (
              let newline = buffer.indexOf('\n');
              newline !== -1;
              newline = buffer.indexOf('\n')
            ) {
              const line = buffer.slice(0, newline).trim();
              buffer = buffer.slice(newline + 1);
              if (!line) continue;
              const event = JSON.parse(line) as {
                type: string;
                object: KubeObject & { code?: number };
              };
              if (event.type === 'ERROR') {
                gone = event.object.code === 410;
                res.destroy();
                resolve(gone);
                return;
              }
              onEvent(event.type, event.object);
            }
          });
          res.on('end', () => resolve(gone));
          res.on('error', reject);
          res.on('close', () => resolve(gone));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  private once(method: string, path: string, body: unknown, contentType: string): Promise<string> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const what = `${method} ${path}`;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, this.server),
        {
          method,
          ...this.tls,
          headers: {
            ...this.headers,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status < 400) return resolve(text);
            const error = kubeError(status, text, what);
            if (!RETRIABLE_STATUS.has(status)) return reject(error);
            const retryAfter = Number(res.headers['retry-after']);
            reject(
              new RetriableError(
                error,
                Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
              ),
            );
          });
          res.on('error', (error) => reject(new RetriableError(error)));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code && RETRIABLE_CODES.has(error.code)) reject(new RetriableError(error));
        else reject(unreachable(this.server, error));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}

class RetriableError extends Error {
  constructor(
    override readonly cause: Error,
    readonly retryAfterMs?: number,
  ) {
    super(cause.message);
  }
}

function kubeError(status: number, text: string, what: string): KubeError {
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeError(status, body.reason ?? '', body.message ?? '', what);
  } catch {
    return new KubeError(status, '', text.slice(0, 200), what);
  }
}

function unreachable(server: string, error: NodeJS.ErrnoException): StreamstressError {
  const tls = /certificate|self[- ]signed|unable to verify/i.test(error.message);
  return new StreamstressError(`Cannot reach the cluster at ${server}: ${error.message}`, {
    exitCode: ExitCode.infrastructure,
    hint: tls
      ? "The server's certificate is not trusted: give the cluster's CA (certificate-authority-data in the kubeconfig)."
      : 'Check the server address and your network.',
  });
}

/**
 * Connects as kubectl would: `kubeconfig` when given, else KUBECONFIG, else ~/.kube/config,
 * with the current context's credentials (tokens, client certificates, exec plugins).
 */
export async function connectToCluster(
  options: { kubeconfig?: string; retry?: RetryPolicy; onRetry?: (message: string) => void } = {},
): Promise<KubeClient> {
  const config = new KubeConfig();
  const file = options.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0];
  const fallback = join(homedir(), '.kube', 'config');
  if (file !== undefined && !existsSync(file)) {
    throw new StreamstressError(`The kubeconfig ${file} does not exist.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Pass an existing file with --kubeconfig, or set KUBECONFIG.',
    });
  }
  if (file === undefined && !existsSync(fallback)) {
    throw new StreamstressError(
      'No kubeconfig: neither --kubeconfig, KUBECONFIG nor ~/.kube/config names a cluster.',
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Log in (oc login …) or pass --kubeconfig FILE.',
      },
    );
  }
  try {
    config.loadFromFile(file ?? fallback);
  } catch (error) {
    throw new StreamstressError(
      `Cannot read the kubeconfig ${file ?? fallback}: ${(error as Error).message}`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  const cluster = config.getCurrentCluster();
  if (!cluster)
    throw new StreamstressError(`The kubeconfig ${file ?? fallback} has no current cluster.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Set current-context.',
    });
  const https: RequestOptions = {};
  await config.applyToHTTPSOptions(https);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(https.headers ?? {}))
    if (typeof value === 'string') headers[name] = value;
  return new KubeClient(
    cluster.server,
    {
      ca: https.ca,
      cert: https.cert,
      key: https.key,
      rejectUnauthorized: https.rejectUnauthorized ?? !cluster.skipTLSVerify,
    },
    headers,
    options.retry,
    options.onRetry,
  );
}

/** Where a kind lives in the REST API. */
export function resourcePath(
  group: string,
  version: string,
  plural: string,
  namespace?: string,
  name?: string,
): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${name}` : ''}`;
}
