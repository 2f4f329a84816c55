import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredArtifact {
  name: string;
  workflowRunBackendId: string;
  body: Buffer;
  finalized: boolean;
}

export interface ArtifactService {
  /** The environment a runner gives a step: the results service URL and a runtime token. */
  env: Record<string, string>;
  artifacts: StoredArtifact[];
  stop(): Promise<void>;
}

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';

async function read(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A stand-in for GitHub's artifact service on loopback, following the contract
 * @actions/artifact speaks: Twirp JSON calls CreateArtifact (answering a signed upload URL) and
 * FinalizeArtifact, and Azure block-blob uploads (Put Block, then Put Block List) to that URL;
 * for downloads ListArtifacts (by name or id), GetSignedArtifactURL and a GET of the zip.
 * Names are unique per workflow run, as on GitHub: a second CreateArtifact of a name is refused.
 */
export async function startArtifactService(): Promise<ArtifactService> {
  const artifacts: StoredArtifact[] = [];
  const blocks = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = await read(request);
      const json = (status: number, data: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(data));
      };
      if (request.method === 'POST' && url.pathname === `${SERVICE}CreateArtifact`) {
        const call = JSON.parse(body.toString()) as { name: string; workflowRunBackendId: string };
        if (artifacts.some((a) => a.name === call.name)) {
          json(409, { code: 'already_exists', msg: 'an artifact with this name already exists' });
          return;
        }
        artifacts.push({ ...call, body: Buffer.alloc(0), finalized: false });
        const { port } = server.address() as AddressInfo;
        json(200, {
          ok: true,
          signedUploadUrl: `http://127.0.0.1:${port}/account/artifacts/${encodeURIComponent(call.name)}.zip?sig=signed`,
        });
      } else if (request.method === 'POST' && url.pathname === `${SERVICE}FinalizeArtifact`) {
        const call = JSON.parse(body.toString()) as { name: string };
        const artifact = artifacts.find((a) => a.name === call.name);
        if (!artifact) return json(404, { code: 'not_found', msg: 'no such artifact' });
        artifact.finalized = true;
        json(200, { ok: true, artifactId: String(artifacts.indexOf(artifact) + 1) });
      } else if (request.method === 'POST' && url.pathname === `${SERVICE}ListArtifacts`) {
        // Requests come as protobuf JSON with the proto field names (name_filter, id_filter).
        const call = JSON.parse(body.toString()) as { name_filter?: string; id_filter?: string };
        json(200, {
          artifacts: artifacts
            .map((a, index) => ({ ...a, databaseId: String(index + 1) }))
            .filter((a) => a.finalized)
            .filter((a) => call.name_filter === undefined || a.name === call.name_filter)
            .filter((a) => call.id_filter === undefined || a.databaseId === call.id_filter)
            .map((a) => ({
              workflowRunBackendId: a.workflowRunBackendId,
              workflowJobRunBackendId: 'job-backend-1',
              databaseId: a.databaseId,
              name: a.name,
              size: String(a.body.length),
            })),
        });
      } else if (request.method === 'POST' && url.pathname === `${SERVICE}GetSignedArtifactURL`) {
        const call = JSON.parse(body.toString()) as { name: string };
        const { port } = server.address() as AddressInfo;
        json(200, {
          signedUrl: `http://127.0.0.1:${port}/account/artifacts/${encodeURIComponent(call.name)}.zip?sig=read`,
        });
      } else if (request.method === 'GET' && url.pathname.startsWith('/account/artifacts/')) {
        const name = decodeURIComponent(url.pathname.split('/').pop() ?? '').replace(/\.zip$/, '');
        const artifact = artifacts.find((a) => a.name === name && a.finalized);
        if (!artifact) return json(404, { msg: 'BlobNotFound' });
        response.writeHead(200, { 'Content-Type': 'application/zip' });
        response.end(artifact.body);
      } else if (request.method === 'PUT' && url.pathname.startsWith('/account/artifacts/')) {
        const name = decodeURIComponent(url.pathname.split('/').pop() ?? '').replace(/\.zip$/, '');
        if (url.searchParams.get('comp') === 'block') {
          blocks.set(`${name}/${url.searchParams.get('blockid')}`, body);
        } else if (url.searchParams.get('comp') === 'blocklist') {
          const ids = [...body.toString().matchAll(/<(?:Latest|Uncommitted)>([^<]*)</g)].map(
            (m) => m[1],
          );
          const artifact = artifacts.find((a) => a.name === name);
          if (artifact)
            artifact.body = Buffer.concat(
              ids.map((id) => blocks.get(`${name}/${id}`) ?? Buffer.alloc(0)),
            );
        } else {
          const artifact = artifacts.find((a) => a.name === name);
          if (artifact) artifact.body = body;
        }
        response.writeHead(201, { ETag: '"0x1"', 'Last-Modified': new Date().toUTCString() });
        response.end();
      } else {
        json(404, { code: 'bad_route', msg: `no handler for ${request.method} ${url.pathname}` });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const claims = { scp: 'Actions.GenericRead Actions.Results:run-backend-1:job-backend-1' };
  const base64url = (data: unknown) => Buffer.from(JSON.stringify(data)).toString('base64url');
  return {
    env: {
      ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/`,
      ACTIONS_RUNTIME_TOKEN: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.unsigned`,
    },
    artifacts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
