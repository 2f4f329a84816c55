import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from './kube.js';

/** The admin connection of a testbed, read from the kubeconfig it wrote into its directory. */
export function adminConnection(dir: string): Connection {
  const config = JSON.parse(readFileSync(join(dir, 'admin.kubeconfig'), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  return {
    server: cluster?.server ?? '',
    ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString('utf8'),
    token: config.users[0]?.user.token ?? '',
  };
}
