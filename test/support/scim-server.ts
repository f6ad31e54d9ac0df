/**
 * A real SCIM 2.0 service provider for the scim target's tests, built from SCIMMY (schemas,
 * filters, PATCH, bulk, list responses) and scimmy-routers (the RFC 7644 endpoints), over an
 * in-memory store. SCIMMY leaves storage, and everything a real service enforces around the
 * protocol, to its host; this file adds those as express middleware, each switchable per
 * test, so the connector meets what SaaS endpoints do:
 *
 * - bearer tokens, static or issued by the OAuth2 token endpoint (client credentials);
 * - ETags (meta.version and the ETag header) and If-Match checked with 412;
 * - PATCH refused (405) when `patch` is off, filters refused (400) when `filter` is off,
 *   whatever ServiceProviderConfig says (`advertise` lets it lie);
 * - PATCH ops accepted only capitalised (`Replace`) or only lower case, as some SaaS do;
 * - 429 with Retry-After for the next N requests;
 * - userName unique (409 uniqueness), members of a deleted user dropped from groups;
 * - a page size limit below what the client asks for, or startIndex ignored;
 * - Group members left out of listings (or of every read), as many services do;
 * - /Bulk answered in another order than the operations, or refused as a whole (405, 413, 501);
 * - a connection dropped for requests matching a pattern (no answer at all).
 *
 * SCIMMY is a singleton (its config and resource handlers are process-wide), so one server
 * runs per test process: startScimServer() refuses a second; configure() and reset() change
 * it between tests.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BASE_PATH = '/scim/v2';
const TOKEN_PATH = '/oauth/token';

export interface ScimServerOptions {
  /** What the server does (and, unless `advertise` says otherwise, what ServiceProviderConfig says). */
  patch: boolean;
  filter: boolean;
  bulk: false | { maxOperations: number; maxPayloadSize: number };
  etag: boolean;
  /** What ServiceProviderConfig claims instead, for servers whose discovery document lies. */
  advertise?: Partial<{ patch: boolean; filter: boolean; bulk: boolean; etag: boolean }>;
  /** Authentication: none, one static bearer token, or tokens from the OAuth2 endpoint. */
  auth:
    | { kind: 'none' }
    | { kind: 'bearer'; token: string }
    | { kind: 'oauth2'; clientId: string; clientSecret: string; ttlSeconds: number };
  /** Which spelling of PATCH `op` the server takes: any (the RFC), only `Add`..., only `add`... */
  opCase: 'any' | 'capitalised' | 'lower';
  /** Most resources per page, whatever `count` the client asks for. */
  maxPageSize: number;
  /** Group displayNames unique, as some services insist. */
  uniqueGroupNames: boolean;
  /** Every page starts at the first resource, whatever startIndex asks (a broken service). */
  ignoreStartIndex: boolean;
  /** Where a Group's members are sent: every read, only a Group read by itself, or never. */
  groupMembers: 'always' | 'single' | 'never';
  /** The /Bulk answer's operations in reverse order (RFC 7644 does not promise the order). */
  bulkReversed: boolean;
  /** Answers every /Bulk request with this status, whatever ServiceProviderConfig says. */
  bulkRefusal: 405 | 413 | 501 | null;
  /** Requests whose URL (below the base path) matches are answered by dropping the connection. */
  drop: RegExp | null;
}

const DEFAULTS: ScimServerOptions = {
  patch: true,
  filter: true,
  bulk: false,
  etag: true,
  auth: { kind: 'none' },
  opCase: 'any',
  maxPageSize: 1000,
  uniqueGroupNames: false,
  ignoreStartIndex: false,
  groupMembers: 'always',
  bulkReversed: false,
  bulkRefusal: null,
  drop: null,
};

/** One resource as the store holds it: its attributes, and what the server keeps about it. */
export interface Stored {
  id: string;
  data: Record<string, unknown>;
  created: Date;
  lastModified: Date;
  version: number;
}

export interface RequestRecord {
  method: string;
  /** Path below the SCIM base, with the query: `/Users?filter=...`. */
  url: string;
  status: number;
  ifMatch: string | undefined;
  body: unknown;
}

export interface ScimServer {
  /** The SCIM base URL: `http://127.0.0.1:<port>/scim/v2`. */
  url: string;
  tokenUrl: string;
  users: Map<string, Stored>;
  groups: Map<string, Stored>;
  /** Every SCIM request served since the last reset(), in order. */
  requests: RequestRecord[];
  /** Access tokens the OAuth2 endpoint issued. */
  tokensIssued: number;
  /** Sets options (on top of the defaults, not of the last call). */
  configure(options?: Partial<ScimServerOptions>): void;
  /** Empties the store and the request log. */
  reset(): void;
  /** Answers the next `count` SCIM requests with 429 and `Retry-After: <seconds>`. */
  throttle(count: number, retryAfterSeconds: number): void;
  /** Makes every issued access token invalid (as when a token expires early). */
  revokeTokens(): void;
  /** Adds a resource directly, as another tool or an administrator would. */
  add(type: 'Users' | 'Groups', data: Record<string, unknown>): Stored;
  /** Changes a resource directly (its version moves on), as a concurrent writer would. */
  modify(type: 'Users' | 'Groups', id: string, change: (data: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

interface State {
  options: ScimServerOptions;
  users: Map<string, Stored>;
  groups: Map<string, Stored>;
  tokens: Map<string, number>;
  nextId: number;
  throttled: { count: number; retryAfterSeconds: number };
}

let current: State | null = null;

/** A SCIM error SCIMMY answers with (its typings want a scimType even where there is none). */
const fail = (status: number, detail: string, scimType?: string) =>
  new SCIMMY.Types.Error(status, scimType as string, detail);
let router: SCIMMYRouters | null = null;

const state = (): State => {
  if (!current) throw fail(500, 'the test SCIM server is not running');
  return current;
};

const version = (s: Stored) => `W/"${s.version}"`;

const toResource = (s: Stored): Record<string, unknown> => ({
  ...s.data,
  id: s.id,
  meta: { created: s.created, lastModified: s.lastModified, version: version(s) },
});

/** A SCIMMY schema instance as plain data, without what the server owns (id, meta, schemas). */
function plain(instance: unknown): Record<string, unknown> {
  const data = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
  delete data['id'];
  delete data['meta'];
  delete data['schemas'];
  delete data['groups'];
  return data;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

function store(type: 'Users' | 'Groups'): Map<string, Stored> {
  return type === 'Users' ? state().users : state().groups;
}

/** Creates or replaces one resource, checking what a real service checks. */
function write(type: 'Users' | 'Groups', id: string | undefined, data: Record<string, unknown>): Stored {
  const s = state();
  const map = store(type);
  const previous = id === undefined ? undefined : map.get(id);
  if (id !== undefined && !previous) throw fail(404, `Resource ${id} not found`);
  const unique = type === 'Users' ? 'userName' : s.options.uniqueGroupNames ? 'displayName' : null;
  if (unique) {
    for (const other of map.values()) {
      if (other.id !== id && lower(other.data[unique]) === lower(data[unique]))
        throw fail(409, `${unique} is already in use`, 'uniqueness');
    }
  }
  if (type === 'Groups' && Array.isArray(data['members'])) {
    // Members are a set: adding one twice (a retried PATCH) keeps one.
    const byId = new Map(data['members'].map((m) => [(m as { value?: unknown }).value, m]));
    data['members'] = [...byId.values()];
  }
  const now = new Date();
  const stored: Stored = {
    id: id ?? String(s.nextId++).padStart(6, '0'),
    data,
    created: previous?.created ?? now,
    lastModified: now,
    version: (previous?.version ?? 0) + 1,
  };
  map.set(stored.id, stored);
  return stored;
}

function declareResources(): void {
  const egress = (type: 'Users' | 'Groups') => (resource: SCIMMY.Types.Resource) => {
    const map = store(type);
    if (resource.id) {
      const found = map.get(resource.id);
      if (!found) throw fail(404, `Resource ${resource.id} not found`);
      return toResource(found);
    }
    const all = [...map.values()].map(toResource);
    return resource.filter ? resource.filter.match(all) : all;
  };
  const ingress = (type: 'Users' | 'Groups') => (resource: SCIMMY.Types.Resource, instance: unknown) =>
    toResource(write(type, resource.id, plain(instance)));
  const degress = (type: 'Users' | 'Groups') => (resource: SCIMMY.Types.Resource) => {
    const id = resource.id ?? '';
    if (!store(type).delete(id)) throw fail(404, `Resource ${id} not found`);
    if (type === 'Users') {
      // A deleted user is no longer anyone's member: services drop it from their groups.
      for (const g of state().groups.values()) {
        const members = g.data['members'];
        if (Array.isArray(members))
          g.data['members'] = members.filter((m) => (m as { value?: string }).value !== id);
      }
    }
  };
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress(ingress('Users') as never)
    .egress(egress('Users') as never)
    .degress(degress('Users'));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress(ingress('Groups') as never)
    .egress(egress('Groups') as never)
    .degress(degress('Groups'));
}

function scimError(res: Response, status: number, detail: string, scimType?: string): void {
  res
    .status(status)
    .type('application/scim+json')
    .send(
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail,
      }),
    );
}

/** The bearer token of a request, if it is one the server currently accepts. */
function authorised(req: Request): boolean {
  const { auth } = state().options;
  if (auth.kind === 'none') return true;
  const token = /^Bearer (.+)$/i.exec(req.header('authorization') ?? '')?.[1];
  if (!token) return false;
  if (auth.kind === 'bearer') return token === auth.token;
  const expires = state().tokens.get(token);
  return expires !== undefined && expires > Date.now();
}

/** `/Users/<id>` or `/Groups/<id>` of a request below the base path. */
function resourceOf(path: string): { type: 'Users' | 'Groups'; id: string } | null {
  const m = /^\/(Users|Groups)\/([^/?]+)$/.exec(path);
  return m ? { type: m[1] as 'Users' | 'Groups', id: decodeURIComponent(m[2]!) } : null;
}

/** What SCIMMY itself does not enforce, and real services do. Runs before SCIMMY's router. */
function quirks(record: RequestRecord[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const s = state();
    const entry: RequestRecord = {
      method: req.method,
      url: req.url,
      status: 0,
      ifMatch: req.header('if-match'),
      body: req.body,
    };
    record.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    // express 5 parses req.query anew on every read, so scimmy-routers' cast of startIndex
    // and count to numbers would be lost (and pagination ignored): the parsed query is kept.
    Object.defineProperty(req, 'query', { value: { ...req.query }, writable: true, configurable: true });
    if (s.throttled.count > 0) {
      s.throttled.count--;
      res.setHeader('Retry-After', String(s.throttled.retryAfterSeconds));
      return scimError(res, 429, 'Too many requests');
    }
    if (s.options.drop?.test(req.url)) {
      req.socket.destroy();
      return;
    }
    if (!authorised(req)) return next(); // SCIMMY's own auth handler answers 401
    const query = req.query as Record<string, unknown>;
    if (!s.options.filter && 'filter' in query)
      return scimError(res, 400, 'Filtering is not supported', 'invalidFilter');
    if (req.method === 'GET' && /^\/(Users|Groups)\/?$/.test(req.path)) {
      // SCIMMY's own default page is 20; a smaller limit caps that too.
      const asked = 'count' in query ? Number(query['count']) : 20;
      if (!(asked <= s.options.maxPageSize)) query['count'] = String(s.options.maxPageSize);
      if (s.options.ignoreStartIndex) delete query['startIndex'];
    }
    const target = resourceOf(req.path);
    if (req.method === 'PATCH') {
      if (!s.options.patch) return scimError(res, 405, 'PATCH is not supported');
      const ops = (req.body as { Operations?: { op?: unknown }[] })?.Operations ?? [];
      const wrong = ops.find((o) =>
        s.options.opCase === 'capitalised'
          ? !/^[A-Z]/.test(String(o.op))
          : s.options.opCase === 'lower' && String(o.op) !== String(o.op).toLowerCase(),
      );
      if (wrong) return scimError(res, 400, `Unsupported operation '${String(wrong.op)}'`, 'invalidSyntax');
    }
    if (req.method === 'POST' && req.path === '/Bulk' && !s.options.bulk)
      return scimError(res, 501, 'Bulk is not supported');
    if (req.method === 'POST' && req.path === '/Bulk' && s.options.bulkRefusal)
      return scimError(res, s.options.bulkRefusal, 'Bulk request refused');
    const listing = req.method === 'GET' && /^\/Groups\/?$/.test(req.path);
    const single = req.method === 'GET' && /^\/Groups\/[^/]+$/.test(req.path);
    const omitMembers =
      (listing && s.options.groupMembers !== 'always') || (single && s.options.groupMembers === 'never');
    const reverse = req.method === 'POST' && req.path === '/Bulk' && s.options.bulkReversed;
    if (omitMembers || reverse) {
      // Changes the answer on its way out (SCIMMY's own reads, inside PATCH, still see members).
      const send = res.send.bind(res);
      let changed = false; // express's res.json calls send again with the text
      res.send = (body?: unknown) => {
        if (changed) return send(body);
        changed = true;
        let data = body;
        if (typeof data === 'string' || Buffer.isBuffer(data)) {
          try {
            data = JSON.parse(String(data));
          } catch {
            return send(body);
          }
        }
        const out = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
        if (omitMembers) {
          const list = Array.isArray(out['Resources'])
            ? (out['Resources'] as Record<string, unknown>[])
            : [out];
          for (const r of list) delete r['members'];
        }
        if (reverse && Array.isArray(out['Operations'])) out['Operations'].reverse();
        if (!res.get('content-type')) res.type('application/scim+json');
        return send(JSON.stringify(out));
      };
    }
    if (s.options.etag && target && ['PUT', 'PATCH', 'DELETE'].includes(req.method)) {
      const ifMatch = req.header('if-match');
      const found = store(target.type).get(target.id);
      if (ifMatch && found && ifMatch !== '*' && ifMatch !== version(found))
        return scimError(res, 412, 'Resource version mismatch');
    }
    // A single resource carries its version as ETag, as RFC 7644 section 3.14 has it.
    if (s.options.etag) {
      const send = res.send.bind(res);
      res.send = (body?: unknown) => {
        const v = (body as { meta?: { version?: unknown } } | undefined)?.meta?.version;
        if (typeof v === 'string' && !res.headersSent) res.setHeader('ETag', v);
        return send(body);
      };
    }
    next();
  };
}

/** The OAuth2 token endpoint: client credentials grant, client authentication by Basic or in the body. */
function tokenEndpoint(req: Request, res: Response): void {
  const s = state();
  const { auth } = s.options;
  const body = (req.body ?? {}) as Record<string, string>;
  let id = body['client_id'];
  let secret = body['client_secret'];
  const basic = /^Basic (.+)$/i.exec(req.header('authorization') ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    id = decodeURIComponent(decoded.slice(0, at));
    secret = decodeURIComponent(decoded.slice(at + 1));
  }
  if (body['grant_type'] !== 'client_credentials') {
    res.status(400).json({ error: 'unsupported_grant_type' });
    return;
  }
  if (auth.kind !== 'oauth2' || id !== auth.clientId || secret !== auth.clientSecret) {
    res.status(401).json({ error: 'invalid_client' });
    return;
  }
  const token = randomBytes(16).toString('hex');
  s.tokens.set(token, Date.now() + auth.ttlSeconds * 1000);
  server.tokensIssued++;
  res.json({ access_token: token, token_type: 'Bearer', expires_in: auth.ttlSeconds });
}

// The one server of this process (see the file comment).
let server: ScimServer;

function applyConfig(o: ScimServerOptions): void {
  const said = { patch: o.patch, filter: o.filter, bulk: o.bulk !== false, etag: o.etag, ...o.advertise };
  SCIMMY.Config.set({
    patch: said.patch,
    filter: said.filter,
    etag: said.etag,
    sort: false,
    bulk: o.bulk === false ? { supported: said.bulk } : { ...o.bulk, supported: said.bulk },
  });
}

export async function startScimServer(options: Partial<ScimServerOptions> = {}): Promise<ScimServer> {
  if (current) throw new Error('a test SCIM server already runs in this process (SCIMMY is a singleton)');
  current = {
    options: { ...DEFAULTS, ...options },
    users: new Map(),
    groups: new Map(),
    tokens: new Map(),
    nextId: 1,
    throttled: { count: 0, retryAfterSeconds: 0 },
  };
  if (!router) {
    declareResources();
    router = new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        if (!authorised(req)) throw new Error('Missing or invalid bearer token');
        return 'orgsync';
      },
    });
  }
  applyConfig(current.options);
  const requests: RequestRecord[] = [];
  const app = express();
  app.set('etag', false); // express would answer with a hash of the body; the server's ETag is meta.version
  app.post(TOKEN_PATH, express.urlencoded({ extended: false }), tokenEndpoint);
  app.use(BASE_PATH, express.json({ type: ['application/scim+json', 'application/json'] }));
  app.use(BASE_PATH, quirks(requests), router);
  const http: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = http.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const st = current;
  server = {
    url: `${origin}${BASE_PATH}`,
    tokenUrl: `${origin}${TOKEN_PATH}`,
    users: st.users,
    groups: st.groups,
    requests,
    tokensIssued: 0,
    configure(o = {}) {
      st.options = { ...DEFAULTS, ...o };
      applyConfig(st.options);
    },
    reset() {
      st.users.clear();
      st.groups.clear();
      requests.length = 0;
      st.throttled = { count: 0, retryAfterSeconds: 0 };
    },
    throttle(count, retryAfterSeconds) {
      st.throttled = { count, retryAfterSeconds };
    },
    revokeTokens() {
      st.tokens.clear();
    },
    add(type, data) {
      return write(type, undefined, data);
    },
    modify(type, id, change) {
      const found = store(type).get(id);
      if (!found) throw new Error(`no ${type} ${id}`);
      const data = structuredClone(found.data);
      change(data);
      write(type, id, data);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
        current = null;
      }),
  };
  return server;
}
