/**
 * The small REST system of docs/writing-a-connector.md: a staff directory that keeps
 * departments and people, as many line-of-business systems do. It is the tutorial's target,
 * so it behaves like a real one: a bearer token, JSON bodies checked field by field (400 with
 * the reason), 404 for what it does not hold, pages of 50, and an optional failure rate.
 *
 *   GET    /api/health
 *   GET    /api/{departments|people}?page=N    -> { items: [{ id, ... }], nextPage: N | null }
 *   GET    /api/{departments|people}/{id}      -> { id, ... }, or 404
 *   PUT    /api/{departments|people}/{id}      create or replace -> 200 { id, ... }
 *   DELETE /api/{departments|people}/{id}      -> 204, or 404
 *
 * A department is { name, parentId | null }; a person { givenName, surname, email,
 * departmentId | null, active }.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Fields = Record<string, string | boolean | null>;
const SHAPES: Record<string, Record<string, 'string' | 'boolean' | 'string|null'>> = {
  departments: { name: 'string', parentId: 'string|null' },
  people: {
    givenName: 'string',
    surname: 'string',
    email: 'string|null',
    departmentId: 'string|null',
    active: 'boolean',
  },
};
const PAGE = 50;

export interface StaffDirectory {
  url: string;
  token: string;
  /** What it holds, per collection: id -> fields. */
  data: Record<string, Map<string, Fields>>;
  stop(): Promise<void>;
}

export async function startStaffDirectory(opts: { token?: string } = {}): Promise<StaffDirectory> {
  const token = opts.token ?? 'staff-directory-token';
  const data: StaffDirectory['data'] = { departments: new Map(), people: new Map() };

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const invalid = (body: unknown, shape: (typeof SHAPES)[string]): string | null => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
    for (const [field, type] of Object.entries(shape)) {
      const v = (body as Fields)[field];
      const ok =
        type === 'string|null' ? v === null || v === undefined || typeof v === 'string' : typeof v === type;
      if (!ok) return `${field} must be ${type}`;
    }
    const extra = Object.keys(body).find((k) => !(k in shape));
    return extra ? `unknown field ${extra}` : null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(res, 401, { error: 'bad or missing token' });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/health') return send(res, 200, { ok: true });
    const [, api, collection, id, more] = url.pathname.split('/');
    const store = collection ? data[collection] : undefined;
    if (api !== 'api' || !store || more !== undefined) return send(res, 404, { error: 'no such resource' });
    if (id === undefined || id === '') {
      if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
      const page = Number(url.searchParams.get('page') ?? '1');
      const all = [...store].map(([key, fields]) => ({ id: key, ...fields }));
      const items = all.slice((page - 1) * PAGE, page * PAGE);
      return send(res, 200, { items, nextPage: page * PAGE < all.length ? page + 1 : null });
    }
    const key = decodeURIComponent(id);
    if (req.method === 'GET') {
      const held = store.get(key);
      return held
        ? send(res, 200, { id: key, ...held })
        : send(res, 404, { error: `${collection}/${key} not found` });
    }
    if (req.method === 'DELETE') {
      if (!store.delete(key)) return send(res, 404, { error: `${collection}/${key} not found` });
      return send(res, 204);
    }
    if (req.method === 'PUT') {
      let body: unknown;
      try {
        body = JSON.parse(await text(req));
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      const problem = invalid(body, SHAPES[collection!]!);
      if (problem) return send(res, 400, { error: problem });
      store.set(key, { ...(body as Fields) });
      return send(res, 200, { id: key, ...(body as Fields) });
    }
    return send(res, 405, { error: 'method not allowed' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal error' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    data,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
