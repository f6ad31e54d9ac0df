/**
 * The routes outside /api: liveness and readiness for the service manager or a load
 * balancer (no token: they say nothing but "up"), Prometheus metrics, and the
 * administrators' page (src/web: plain HTML, CSS and browser modules, no build step).
 *
 * The page's files are read once at start from src/web, found by walking up from this
 * module to the folder holding package.json: the same code runs from src/api (tsx) and
 * from dist/src/api (after tsc), and src/web is not compiled.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ApiConfig } from '../worker/config.js';
import type { WorkerControl } from '../worker/control.js';
import type { Authenticator } from './auth.js';
import { errorBody } from './errors.js';

export type MetricsSource = () => Promise<{ contentType: string; body: string }>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The folder of the page's files: <package root>/src/web. */
export function webDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'web');
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}: cannot find the page's files`);
    dir = up;
  }
}

interface Asset {
  type: string;
  body: Buffer;
}

/** Every .html/.js/.css file of src/web, by name: a fixed set, so no path from a URL reaches the disk. */
async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: await readFile(join(dir, name)) });
  }
  return assets;
}

export async function registerWebRoutes(
  app: FastifyInstance,
  control: WorkerControl,
  config: ApiConfig,
  auth: Authenticator,
  opts: { logger: Logger; metrics: MetricsSource },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      const r = await control.ready();
      return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, checks: r.checks });
    } catch (err) {
      request.log.error({ err }, 'readiness check failed');
      return reply.code(503).send({ ready: false, checks: { worker: 'the readiness check failed' } });
    }
  });

  app.get(
    '/metrics',
    config.publicMetrics ? {} : { onRequest: auth.require('read') },
    async (_req, reply) => {
      const m = await opts.metrics();
      return reply.type(m.contentType).send(m.body);
    },
  );

  const dir = webDir();
  let assets: Map<string, Asset>;
  try {
    assets = await loadAssets(dir);
  } catch (err) {
    // The API works without its page; say once why the page is missing.
    opts.logger.warn({ err, dir }, 'the admin page files cannot be read; serving the API only');
    assets = new Map();
  }

  const serve = (name: string) => async (_req: unknown, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) {
      return reply
        .code(404)
        .send(
          errorBody(
            'ORGSYNC_API_NOT_FOUND',
            `the admin page file ${name} is missing from ${dir}`,
            'Reinstall orgsync: its src/web folder is incomplete.',
          ),
        );
    }
    // no-cache: revalidated on every load, so an upgrade never mixes old and new files.
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  };

  app.get('/', serve('index.html'));
  // The page has no icon; an empty answer keeps browsers from logging a 404 on every load.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  for (const name of assets.keys()) if (name !== 'index.html') app.get(`/${name}`, serve(name));
}
