// The standalone testbed's controllers, in a process of their own: `controllers-main.ts DIR`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControllers } from './controllers.js';
import { Kube } from './kube.js';

const dir = process.argv[2] ?? '';
const config = JSON.parse(readFileSync(join(dir, 'admin.kubeconfig'), 'utf8')) as {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { token: string } }[];
};
const cluster = config.clusters[0]?.cluster;
const controllers = startControllers(
  new Kube({
    server: cluster?.server ?? '',
    ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString('utf8'),
    token: config.users[0]?.user.token ?? '',
  }),
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void controllers.stop().then(() => process.exit(0));
  });
}
