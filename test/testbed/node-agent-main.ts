// The testbed's node agent, in a process of its own (started by startTestbed):
// `node-agent-main.ts DIR`. The pods' processes are its children, in its process group, so
// stopping the testbed stops them too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminConnection } from './connection.js';
import { Kube } from './kube.js';
import { startNodeAgent } from './node-agent.js';

const dir = process.argv[2] ?? '';
const connection = adminConnection(dir);
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const agent = await startNodeAgent({
  kube: new Kube(connection),
  dir: join(dir, 'node'),
  // The API server's serving certificate is for 127.0.0.1 too: the agent serves with it.
  tls: { cert: read('server.crt'), key: read('server.key'), ca: read('ca.crt') },
  apiServer: new URL(connection.server),
});
console.log(`node agent serving the kubelet API on 127.0.0.1:${agent.port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void agent.stop().then(() => process.exit(0));
  });
}
