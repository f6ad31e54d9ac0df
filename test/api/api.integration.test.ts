/**
 * The admin API over real HTTP (fastify listening on 127.0.0.1:0, fetch): auth and roles,
 * input validation, the one error shape, the mapping of OrgsyncError codes to statuses,
 * the security headers, and that no token ever reaches the log.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/server.js';
import { webDir } from '../../src/api/web.js';
import { OrgsyncError } from '../../src/errors.js';
import { Secret } from '../../src/sdk/secret.js';
import type { ApiConfig } from '../../src/worker/config.js';
import { FakeControl } from '../support/fake-control.js';

const READ_TOKEN = 'read-token-7f3a9c1e5b2d8f40';
const OPERATOR_TOKEN = 'operator-token-c4e8a2b6d0f19735';
const WRONG_TOKEN = 'wrong-token-0a1b2c3d4e5f6789';

function apiConfig(over: Partial<ApiConfig> = {}): ApiConfig {
  return {
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    tokens: [
      { name: 'viewer', role: 'read', token: new Secret(READ_TOKEN, 'test') },
      { name: 'ops', role: 'operator', token: new Secret(OPERATOR_TOKEN, 'test') },
    ],
    publicMetrics: true,
    ...over,
  };
}

/** Every log line the API writes, at the most verbose level, without pino's redaction. */
const logLines: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);
const metrics = async () => ({ contentType: 'text/plain; version=0.0.4', body: 'orgsync_runs_total 3\n' });

const control = new FakeControl();
let server: { url: string; close(): Promise<void> };

// biome-ignore lint/suspicious/noExplicitAny: the tests read the API's JSON answers field by field.
type Json = any;

interface Ask {
  token?: string;
  method?: string;
  body?: unknown;
  raw?: string;
  type?: string;
  headers?: Record<string, string>;
}

async function ask(path: string, a: Ask = {}) {
  const headers: Record<string, string> = { ...a.headers };
  if (a.token) headers['authorization'] = `Bearer ${a.token}`;
  let body: string | undefined;
  if (a.body !== undefined) body = JSON.stringify(a.body);
  if (a.raw !== undefined) body = a.raw;
  if (body !== undefined || a.type) headers['content-type'] = a.type ?? 'application/json';
  const res = await fetch(server.url + path, { method: a.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

beforeAll(async () => {
  server = await startApi(control, apiConfig(), { logger, metrics });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  control.calls.length = 0;
});

describe('without a token', () => {
  it('answers health and readiness', async () => {
    expect(await ask('/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await ask('/readyz')).toMatchObject({ status: 200, json: { ready: true } });
    control.isReady = false;
    try {
      const r = await ask('/readyz');
      expect(r.status).toBe(503);
      expect(r.json.checks.state).toMatch(/does not answer/);
    } finally {
      control.isReady = true;
    }
  });

  it('serves public metrics as text', async () => {
    const r = await ask('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toContain('orgsync_runs_total 3');
  });

  it('refuses /api with 401 and WWW-Authenticate: Bearer', async () => {
    const r = await ask('/api/status');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.json.error).toMatchObject({ code: 'ORGSYNC_API_UNAUTHORIZED' });
    expect(r.json.error.message).toMatch(/Bearer/);
    expect(r.json.error.hint).toBeTruthy();
    expect(control.calls).toEqual([]);
  });

  it('refuses a wrong token and a header that is not Bearer', async () => {
    const wrong = await ask('/api/status', { token: WRONG_TOKEN });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(wrong.json.error.message).toMatch(/token was refused/);
    expect(wrong.text).not.toContain(WRONG_TOKEN);
    const basic = await ask('/api/status', { headers: { authorization: `Basic ${READ_TOKEN}` } });
    expect(basic.status).toBe(401);
    expect(control.calls).toEqual([]);
  });
});

describe('roles', () => {
  const operatorRoutes: Array<[string, Ask]> = [
    ['/api/plans', { method: 'POST', body: {} }],
    ['/api/plans/plan-1/apply', { method: 'POST' }],
    ['/api/targets/ad/approve', { method: 'POST', body: { planId: 'plan-1' } }],
  ];

  it.each(operatorRoutes)(
    'refuses the read token on %s with 403, without calling the worker',
    async (path, a) => {
      const r = await ask(path, { ...a, token: READ_TOKEN });
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('ORGSYNC_API_FORBIDDEN');
      expect(r.json.error.message).toMatch(/viewer has the read role; this needs the operator role/);
      expect(control.calls).toEqual([]);
    },
  );

  it('lets the read token read', async () => {
    expect(await ask('/api/whoami', { token: READ_TOKEN })).toMatchObject({
      status: 200,
      json: { name: 'viewer', role: 'read' },
    });
    const status = await ask('/api/status', { token: READ_TOKEN });
    expect(status.json.schedules[0].name).toBe('nightly');

    const runs = await ask('/api/runs', { token: READ_TOKEN });
    expect(runs.json.runs).toHaveLength(3);
    expect((await ask('/api/runs?limit=2', { token: READ_TOKEN })).json.runs).toHaveLength(2);
    expect(control.callsOf('listRuns')).toEqual([[50], [2]]);

    const run = await ask('/api/runs/run-2', { token: READ_TOKEN });
    expect(run.json.run.id).toBe('run-2');
    expect(run.json.changes).toHaveLength(3);
    await ask('/api/runs/run-2?limit=10', { token: READ_TOKEN });
    expect(control.callsOf('getRun')).toEqual([
      ['run-2', { limit: 500 }],
      ['run-2', { limit: 10 }],
    ]);

    const plans = await ask('/api/plans', { token: READ_TOKEN });
    expect(plans.json.plans[0]).toMatchObject({ id: 'plan-1' });
    const plan = await ask('/api/plans/plan-1', { token: READ_TOKEN });
    expect(plan.json.targets.map((t: { name: string }) => t.name)).toEqual(['ad', 'lob-csv']);
  });

  it('lets the operator read and start a dry run (201, Location)', async () => {
    expect((await ask('/api/whoami', { token: OPERATOR_TOKEN })).json).toEqual({
      name: 'ops',
      role: 'operator',
    });
    const r = await ask('/api/plans', { token: OPERATOR_TOKEN, body: { target: 'ad', mode: 'delta' } });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      runId: expect.stringMatching(/^run-dry-/),
      planId: expect.stringMatching(/^plan-dry-/),
    });
    expect(r.headers.get('location')).toBe(`/api/plans/${r.json.planId}`);
    expect(control.callsOf('dryRun')).toEqual([
      [
        { target: 'ad', mode: 'delta' },
        { name: 'ops', role: 'operator' },
      ],
    ]);

    const all = await ask('/api/plans', { token: OPERATOR_TOKEN, method: 'POST' });
    expect(all.status).toBe(201);
    expect(control.callsOf('dryRun')[1]).toEqual([{}, { name: 'ops', role: 'operator' }]);
  });

  it('lets the operator apply a plan, with no body, {} or an empty JSON body (202)', async () => {
    for (const a of [{}, { body: {} }, { raw: '' }] as Ask[]) {
      const r = await ask('/api/plans/plan-1/apply', { ...a, method: 'POST', token: OPERATOR_TOKEN });
      expect(r.status).toBe(202);
      expect(r.json.runId).toMatch(/^run-apply-/);
    }
    expect(control.callsOf('applyPlan')).toHaveLength(3);
    expect(control.callsOf('applyPlan')[0]).toEqual(['plan-1', { name: 'ops', role: 'operator' }]);
  });

  it('lets the operator approve a blocked target (202)', async () => {
    const r = await ask('/api/targets/ad/approve', { token: OPERATOR_TOKEN, body: { planId: 'plan-1' } });
    expect(r.status).toBe(202);
    expect(r.json.runId).toMatch(/^run-approve-/);
    expect(control.callsOf('approve')).toEqual([['ad', 'plan-1', { name: 'ops', role: 'operator' }]]);
  });
});

describe('invalid input: 400 naming the field', () => {
  const cases: Array<[string, string, Ask, RegExp]> = [
    ['limit=0', '/api/runs?limit=0', {}, /query parameter limit must be a whole number from 1 to 500/],
    ['limit=abc', '/api/runs?limit=abc', {}, /query parameter limit must be a whole number/],
    ['limit=501', '/api/runs?limit=501', {}, /query parameter limit/],
    ['limit twice', '/api/runs?limit=1&limit=2', {}, /query parameter limit/],
    ['an unknown query parameter', '/api/runs?limt=5', {}, /unknown query parameter "limt"; allowed: limit/],
    ['a bad run id', '/api/runs/..%2Fetc', {}, /path parameter id is not a run id/],
    [
      'an unknown mode',
      '/api/plans',
      { body: { mode: 'weekly' } },
      /body field mode must be 'full' or 'delta'/,
    ],
    [
      'a bad target name',
      '/api/plans',
      { body: { target: 'AD!' } },
      /body field target is not a target name/,
    ],
    ['a target that is not a string', '/api/plans', { body: { target: 7 } }, /body field target must be/],
    ['extra body fields', '/api/plans', { body: { target: 'ad', force: true } }, /unknown field "force"/],
    ['a body that is not an object', '/api/plans', { body: ['ad'] }, /the body must be a JSON object/],
    ['a missing planId', '/api/targets/ad/approve', { body: {} }, /body field planId is required/],
    ['a body on apply', '/api/plans/plan-1/apply', { body: { force: true } }, /unknown field "force"/],
    ['malformed JSON', '/api/plans', { raw: '{"target": ' }, /not valid JSON/],
  ];

  it.each(cases)('%s', async (_name, path, a, message) => {
    const r = await ask(path, { ...a, token: OPERATOR_TOKEN });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ORGSYNC_API_INVALID');
    expect(r.json.error.message).toMatch(message);
    expect(r.json.error.hint).toBeTruthy();
    expect(control.calls.filter((c) => c.method !== 'status')).toEqual([]);
  });

  it('a body too large is 413 JSON, a wrong content type 415 JSON', async () => {
    const big = await ask('/api/plans', {
      token: OPERATOR_TOKEN,
      raw: JSON.stringify({ target: 'x'.repeat(20_000) }),
    });
    expect(big.status).toBe(413);
    expect(big.json.error).toMatchObject({
      code: 'ORGSYNC_API_INVALID',
      message: expect.stringMatching(/16 KiB/),
    });
    const text = await ask('/api/plans', { token: OPERATOR_TOKEN, raw: 'target=ad', type: 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.json.error.message).toMatch(/application\/json/);
    expect(control.calls).toEqual([]);
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 JSON', async () => {
    const r = await ask('/api/nothing', { token: READ_TOKEN });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.json.error.message).toMatch(/no GET \/api\/nothing/);
    expect(r.json.error.code).toBe('ORGSYNC_API_NOT_FOUND');
    expect((await ask('/nothing.php')).status).toBe(404);
  });

  it('maps unknown runs and plans to 404', async () => {
    const run = await ask('/api/runs/nope', { token: READ_TOKEN });
    expect(run.status).toBe(404);
    expect(run.json.error.code).toBe('ORGSYNC_RUN_NOT_FOUND');
    const plan = await ask('/api/plans/nope', { token: READ_TOKEN });
    expect(plan.status).toBe(404);
    expect(plan.json.error.code).toBe('ORGSYNC_PLAN_NOT_FOUND');
    const apply = await ask('/api/plans/nope/apply', { token: OPERATOR_TOKEN, method: 'POST' });
    expect(apply.status).toBe(404);
  });

  it.each([
    ['ORGSYNC_TARGET_BUSY', 409],
    ['ORGSYNC_BLACKOUT', 409],
    ['ORGSYNC_TARGET_NOT_BLOCKED', 409],
    ['ORGSYNC_WORKER_STOPPING', 503],
  ] as const)('maps %s from the worker to %i', async (code, status) => {
    control.failWith.approve = new OrgsyncError(code, `refused: ${code}`);
    const r = await ask('/api/targets/ad/approve', { token: OPERATOR_TOKEN, body: { planId: 'plan-1' } });
    expect(r.status).toBe(status);
    expect(r.json.error).toMatchObject({ code, message: `refused: ${code}` });
    expect(r.json.error.hint).toBeTruthy();
  });

  it('answers an unexpected error with a generic 500 and logs it', async () => {
    control.failWith.status = new Error('database exploded at /var/lib/secret-path');
    const r = await ask('/api/status', { token: READ_TOKEN });
    expect(r.status).toBe(500);
    expect(r.json.error.code).toBe('ORGSYNC_INTERNAL');
    expect(r.json.error.message).toMatch(/request .+ the details are in its log/);
    expect(r.text).not.toMatch(/exploded|secret-path|at .*\.ts/);
    expect(logLines.join('')).toContain('database exploded');
  });
});

describe('headers', () => {
  it('sets the security headers, no-store on /api and a CSP on the page', async () => {
    const api = await ask('/api/status', { token: READ_TOKEN });
    const page = await ask('/');
    for (const r of [api, page, await ask('/api/nope'), await ask('/api/runs/%zz', { token: READ_TOKEN })]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'");
    expect(page.text).toContain('/app.js');
  });

  it('finds the page files from src/api and from dist/src/api', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    for (const from of ['src/api/web.ts', 'dist/src/api/web.js'])
      expect(webDir(join(root, from))).toBe(join(root, 'src', 'web'));
  });

  it('serves the page files with their content types', async () => {
    expect((await ask('/app.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await ask('/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });
});

describe('other configurations', () => {
  it('refuses every /api route when no token is configured, naming worker.api.tokens', async () => {
    const bare = await startApi(control, apiConfig({ tokens: [] }), { logger, metrics });
    try {
      const r = await fetch(`${bare.url}/api/status`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
      expect(r.status).toBe(401);
      expect(((await r.json()) as Json).error.message).toMatch(/configure worker\.api\.tokens/);
    } finally {
      await bare.close();
    }
  });

  it('asks a read token for /metrics unless publicMetrics', async () => {
    const closed = await startApi(control, apiConfig({ publicMetrics: false }), { logger, metrics });
    try {
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(401);
      const r = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('orgsync_runs_total');
    } finally {
      await closed.close();
    }
  });
});

describe('the log', () => {
  it('never holds a token', () => {
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const t of [READ_TOKEN, OPERATOR_TOKEN, WRONG_TOKEN]) expect(log).not.toContain(t);
    expect(log.toLowerCase()).not.toContain('bearer ');
  });
});
