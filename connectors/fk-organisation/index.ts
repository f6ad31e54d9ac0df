/**
 * FK Organisation target (KOMBIT's shared organisation service, v6): units, users and their
 * positions and managers, written with importer/ret over SOAP from orgsync's plan. Normal
 * runs use orgsync's own state: an unchanged object costs no call at all. See README.md.
 */
import { defineTarget, type TargetContext, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { ChangeResult, ObjectType } from '../../src/sdk/types.js';
import { FkClient } from './client.js';
import { FkConfig } from './config.js';
import { ATTRIBUTES, ObjectWriter } from './objects.js';
import { createOioidws } from './oioidws/index.js';
import { readFk } from './read.js';

export { FkConfig } from './config.js';

/** Mapping mistakes that would fail every change at apply time, refused when the target opens. */
function checkMapping(attributes: TargetContext['attributes']): void {
  if (!attributes) return;
  for (const [type, names] of Object.entries(attributes) as [ObjectType, readonly string[]][]) {
    const { known, required } = ATTRIBUTES[type];
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length > 0) {
      throw new ConnectorError(
        'invalid-config',
        `objects.${type}: FK Organisation has no attribute ${unknown.join(', ')}; a ${type} maps ${known.join(', ')}`,
      );
    }
    const missing = required.filter((n) => !names.includes(n));
    if (missing.length > 0)
      throw new ConnectorError(
        'invalid-config',
        `objects.${type}: map ${missing.join(', ')} (required by FK)`,
      );
  }
  if (attributes.position && !(attributes.unit && attributes.person)) {
    throw new ConnectorError(
      'invalid-config',
      'objects.position: an FK function ties a user to a unit: map units and persons too',
    );
  }
}

function openSession(cfg: FkConfig, ctx: TargetContext): TargetSession {
  checkMapping(ctx.attributes);
  // OIOIDWS: a token per CVR from the STS, cached and renewed early; every call signed with it.
  const security = cfg.auth ? createOioidws(cfg.auth).callSecurity : undefined;
  const fk = new FkClient({
    endpoint: cfg.endpoint,
    actor: { organisation: cfg.organisation },
    timeoutMs: cfg.timeoutMs,
    ...(security ? { security } : {}),
  });
  const writer = new ObjectWriter(fk, cfg);
  const read: TargetSession['read'] = async (types) => {
    const links = (await ctx.links?.()) ?? new Map();
    const objects = await readFk(fk, cfg, writer.ids, {
      types,
      links,
      attributes: ctx.attributes ?? {},
      pageSize: cfg.pageSize,
    });
    ctx.logger.info(
      { objects: objects.length, foreign: objects.filter((o) => o.foreign).length },
      'read FK Organisation',
    );
    return objects;
  };
  return {
    ...(cfg.reconcile ? { read } : {}),
    check: async () => {
      try {
        const org = await fk.laes('Organisation', cfg.organisation, `Organisation ${cfg.organisation}`);
        if (!org) {
          return {
            ok: false,
            message: `FK at ${cfg.endpoint} has no Organisation ${cfg.organisation}: check \`organisation\` (the municipality's UUID in FK)`,
          };
        }
        return { ok: true, message: `FK Organisation answers at ${cfg.endpoint} and knows the municipality` };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
    apply: async (changes, { signal }) => {
      const results: ChangeResult[] = [];
      for (const change of changes) {
        signal.throwIfAborted();
        const targetId = await writer.apply(change);
        results.push({ changeId: change.id, status: 'applied', targetId });
      }
      return results;
    },
    /**
     * After a crash: a create reached FK when its main object is there (it is written last).
     * Other changes are reported as not reached and planned again; every write is a
     * read-merge-write, so repeating one that did land changes nothing.
     */
    recover: async (pending) => {
      const reached = new Map<string, boolean>();
      for (const { change } of pending) {
        if (change.action !== 'create') {
          reached.set(change.id, false);
          continue;
        }
        const { service, uuid } = writer.main(change.type, change.key);
        reached.set(change.id, (await fk.laes(service, uuid, `${service} ${uuid}`)) !== null);
      }
      return reached;
    },
  };
}

export const fkOrganisationTarget = defineTarget({
  name: 'fk-organisation',
  description: "KOMBIT's FK Organisation v6: units, users, positions and managers over SOAP (importer/ret)",
  configSchema: FkConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person', 'position'],
  open: openSession,
});
