// The standalone testbed's controllers, in a process of their own: `controllers-main.ts DIR`.
import { adminConnection } from './connection.js';
import { startControllers } from './controllers.js';
import { Kube } from './kube.js';

const controllers = startControllers(new Kube(adminConnection(process.argv[2] ?? '')));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void controllers.stop().then(() => process.exit(0));
  });
}
