import { request as httpsRequest } from 'node:https';

/** What a testbed client needs to reach the API server: its URL, the CA and a bearer token. */
export interface Connection {
  server: string;
  ca: string;
  token: string;
}

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
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }[];
    creationTimestamp?: string;
  };
  [field: string]: unknown;
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

/**
 * The testbed's own small REST client for its controllers and setup: plain HTTPS with the
 * testbed CA, every body sent with its Content-Length, and DELETE options in the query (the
 * 1.20 API server misreads a DELETE body on a keep-alive connection).
 */
export class Kube {
  constructor(readonly connection: Connection) {}

  async request<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const text = await this.raw(method, path, body, contentType);
    return (text ? JSON.parse(text) : undefined) as T;
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

  /** Deletes, ignoring "not found"; `gracePeriodSeconds: 0` removes a pod bound to a node at once, as its kubelet does. */
  async delete(path: string, options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    // Options go in the query: the 1.20 API server did not apply them from a DELETE body here.
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
   * Follows a watch until `signal` aborts, calling `onEvent` for each event; reconnects when the
   * server ends the stream.
   */
  async watch(
    path: string,
    onEvent: (type: string, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.stream(
          `${path}${path.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=false`,
          onEvent,
          signal,
        );
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private stream(
    path: string,
    onEvent: (type: string, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.connection.server);
      const req = httpsRequest(
        url,
        {
          method: 'GET',
          ca: this.connection.ca,
          headers: { Authorization: `Bearer ${this.connection.token}` },
          signal,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new KubeError(res.statusCode ?? 0, '', `watch ${path}`));
            return;
          }
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let newline: number;
            while ((newline = buffer.indexOf('\n')) !== -1) {
              const line = buffer.slice(0, newline);
              buffer = buffer.slice(newline + 1);
              if (!line.trim()) continue;
              const event = JSON.parse(line) as { type: string; object: KubeObject };
              onEvent(event.type, event.object);
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  private raw(method: string, path: string, body: unknown, contentType: string): Promise<string> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.connection.server);
      const req = httpsRequest(
        url,
        {
          method,
          ca: this.connection.ca,
          headers: {
            Authorization: `Bearer ${this.connection.token}`,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 400)
              reject(new KubeError(res.statusCode ?? 0, text, `${method} ${path}`));
            else resolve(text);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }
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
