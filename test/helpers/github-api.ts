import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Comment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

/**
 * A stand-in for the part of GitHub's REST API streamstress uses (issue comments), reached
 * through GITHUB_API_URL as @actions/github reaches api.github.com: token authentication,
 * pagination by Link header, 201 on create, comments written by github-actions[bot] (the
 * user of a GITHUB_TOKEN, which may not read GET /user), and 403 "Resource not accessible by
 * integration" for writes when the token is read-only (a pull request from a fork).
 */
export async function startGitHubApi(options: { token: string; perPage?: number }) {
  const comments = new Map<number, Comment[]>();
  const requests: string[] = [];
  let nextId = 1000;
  let readOnly = false;
  const read = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      request.on('data', (d: Buffer) => (body += d.toString()));
      request.on('end', () => resolve(body));
    });
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://x');
      requests.push(`${request.method} ${url.pathname}`);
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        response.end(JSON.stringify(data));
      };
      if (request.headers.authorization !== `token ${options.token}`)
        return send(401, { message: 'Bad credentials' });
      const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname);
      const edit = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const write = request.method === 'POST' || request.method === 'PATCH';
      if (write && readOnly)
        return send(403, { message: 'Resource not accessible by integration' });
      if (url.pathname === '/user')
        return send(403, { message: 'Resource not accessible by integration' });
      if (list && request.method === 'GET') {
        const all = comments.get(Number(list[1])) ?? [];
        const perPage = Math.min(
          options.perPage ?? 100,
          Number(url.searchParams.get('per_page') ?? 30),
        );
        const page = Number(url.searchParams.get('page') ?? 1);
        const next = page * perPage < all.length;
        const link = `<http://${request.headers.host}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
        return send(
          200,
          all.slice((page - 1) * perPage, page * perPage),
          next ? { Link: link } : {},
        );
      }
      if (list && request.method === 'POST') {
        const { body } = JSON.parse(await read(request)) as { body: string };
        const comment = {
          id: nextId++,
          user: { login: 'github-actions[bot]', type: 'Bot' },
          body,
          html_url: `https://github.com/org/repo/pull/${list[1]}#issuecomment-${nextId}`,
        };
        comments.set(Number(list[1]), [...(comments.get(Number(list[1])) ?? []), comment]);
        return send(201, comment);
      }
      if (edit && request.method === 'PATCH') {
        const { body } = JSON.parse(await read(request)) as { body: string };
        const comment = [...comments.values()].flat().find((c) => c.id === Number(edit[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        comment.body = body;
        return send(200, comment);
      }
      send(404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    comments: (pr: number) => comments.get(pr) ?? [],
    /** Someone else's comment on the pull request, which must never be edited. */
    addComment: (pr: number, body: string, login = 'a-reviewer') =>
      comments.set(pr, [
        ...(comments.get(pr) ?? []),
        { id: nextId++, body, html_url: '', user: { login, type: 'User' } },
      ]),
    setReadOnly: (value: boolean) => (readOnly = value),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
