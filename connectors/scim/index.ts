/**
 * SCIM 2.0 target (RFC 7643, RFC 7644): persons as Users (with the enterprise extension),
 * units as Groups, over node-fetch. See README.md for what it writes and why.
 */
import { defineTarget, type TargetContext, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import { applyScimChange } from './apply.js';
import { ScimConfig } from './config.js';
import { Directory, type Kind } from './directory.js';
import { describeFeatures, discover, type Features } from './discovery.js';
import { ScimHttp } from './http.js';
import { type AttrPath, parseAttrPath } from './paths.js';
import { readService } from './read.js';
import { BulkTransport, DirectTransport } from './transport.js';
import type { Session } from './writes.js';

export { ScimConfig } from './config.js';

/** The mapping's attribute names as SCIM paths; a name that is not one is refused before any request. */
function mappedPaths(cfg: ScimConfig, ctx: TargetContext): Record<Kind, Map<string, AttrPath>> {
  const paths: Record<Kind, Map<string, AttrPath>> = { person: new Map(), unit: new Map() };
  for (const kind of ['person', 'unit'] as const) {
    for (const name of ctx.attributes?.[kind] ?? []) paths[kind].set(name, parseAttrPath(name, kind));
  }
  if (!ctx.attributes) return paths;
  if (ctx.attributes.person && !paths.person.has('userName'))
    throw new ConnectorError(
      'invalid-config',
      'map the person attribute userName: every SCIM User needs one',
    );
  if (ctx.attributes.unit && !paths.unit.has('displayName'))
    throw new ConnectorError(
      'invalid-config',
      'map the unit attribute displayName: every SCIM Group needs one',
    );
  if (cfg.units.members && !(ctx.attributes.unit && ctx.attributes.person))
    throw new ConnectorError('invalid-config', 'units.members needs both units and persons mapped');
  for (const [name, refersTo] of Object.entries(cfg.references)) {
    if (refersTo === 'unit' && !ctx.attributes.unit && (paths.person.has(name) || paths.unit.has(name)))
      throw new ConnectorError('invalid-config', `references.${name} points at units, which are not mapped`);
  }
  return paths;
}

function openSession(cfg: ScimConfig, ctx: TargetContext): TargetSession {
  const paths = mappedPaths(cfg, ctx);
  // Nothing is requested until the session is used: opening never touches the network.
  const http = new ScimHttp(cfg, ctx.logger);
  let discovery: Promise<Features> | null = null;
  const features = () => {
    discovery ??= discover(http, cfg).catch((e: unknown) => {
      discovery = null; // an unreachable service may be back for the next call
      throw e;
    });
    return discovery;
  };
  const dir = new Directory(http, cfg, features);
  // What orgsync recorded, loaded once for the writes that ask (whether it deactivated a User).
  let links: ReturnType<NonNullable<TargetContext['links']>> | null = null;
  const linksOnce = () => {
    links ??= ctx.links!().catch((e: unknown) => {
      links = null;
      throw e;
    });
    return links;
  };
  let session: Promise<Session> | null = null;
  const ready = () => {
    session ??= features().then(
      (f): Session => ({
        cfg,
        http,
        // A copy: a service found to refuse PATCH is written with PUT for the rest of the session.
        features: { ...f },
        dir,
        transport: f.bulk
          ? new BulkTransport(http, { ...f.bulk, windowMs: cfg.bulk.windowMs }, ctx.logger)
          : new DirectTransport(http),
        logger: ctx.logger,
        groupLocks: new Map(),
        paths,
        links: ctx.links ? linksOnce : undefined,
      }),
      (e: unknown) => {
        session = null;
        throw e;
      },
    );
    return session;
  };

  return {
    check: async () => {
      try {
        const f = await features();
        // ServiceProviderConfig is often public: a one-User list proves the credentials.
        await http.get('/Users?startIndex=1&count=1', 'list Users');
        return { ok: true, message: `SCIM service at ${http.origin}: ${describeFeatures(f)}` };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
    read: async (types) => {
      const s = await ready();
      const links = await ctx.links?.();
      const r = await readService(s, types, ctx.attributes ?? {}, links);
      if (r.relinks.size > 0) await ctx.relink?.(r.relinks);
      ctx.logger.info({ origin: http.origin, objects: r.objects.length }, 'read SCIM service');
      return r.objects;
    },
    apply: async (changes, { signal }) => {
      const s = await ready();
      const results = [];
      for (const change of changes) {
        signal.throwIfAborted();
        results.push(await applyScimChange(s, change));
      }
      return results;
    },
    close: async () => {
      if (session) await (await session.catch(() => null))?.transport.close();
      http.close();
    },
  };
}

export const scimTarget = defineTarget({
  name: 'scim',
  description:
    'SCIM 2.0 service provider (RFC 7643/7644): Users with the enterprise extension, Groups for units',
  configSchema: ScimConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person'],
  // SCIM servers coerce JSON types (an employeeNumber sent as 1042 comes back as "1042").
  textValues: true,
  open: openSession,
});
