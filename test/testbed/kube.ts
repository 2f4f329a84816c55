import { KubeClient } from '../../src/adapters/kube.js';

export { KubeError, resourcePath, type KubeObject } from '../../src/adapters/kube.js';

/** What a testbed client needs to reach the API server: its URL, the CA and a bearer token. */
export interface Connection {
  server: string;
  ca: string;
  token: string;
}

/**
 * streamstress's own Kubernetes client, connected with a token and without retries: the
 * testbed's controllers and tests want to see every answer as it comes.
 */
export class Kube extends KubeClient {
  constructor(readonly connection: Connection) {
    super(
      connection.server,
      { ca: connection.ca },
      { Authorization: `Bearer ${connection.token}` },
      { attempts: 1, baseDelayMs: 100, maxDelayMs: 1000 },
    );
  }
}
