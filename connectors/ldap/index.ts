/**
 * Generic LDAP target for directories other than Active Directory (OpenLDAP and the like):
 * units as organizationalUnit entries mirroring the organisation, persons as inetOrgPerson
 * entries, all in a subtree orgsync owns. See README.md for what it writes and why.
 */
import { defineTarget, type TargetContext, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import { RwLock } from '../../src/util/rw-lock.js';
import { type ApplyState, applyLdapChange, changesDn } from './apply.js';
import { LdapConfig } from './config.js';
import { LdapConnection } from './connection.js';
import { readTree } from './read.js';

export { LdapConfig } from './config.js';

const has = (names: readonly string[], name: string) =>
  names.some((n) => n.toLowerCase() === name.toLowerCase());

/** Mistakes that would otherwise fail every change at apply time, refused when the session opens. */
function checkMapping(cfg: LdapConfig, attributes: NonNullable<TargetContext['attributes']>): void {
  const refuse = (message: string) => {
    throw new ConnectorError('invalid-config', message);
  };
  const unit = attributes.unit;
  const person = attributes.person ?? [];
  if (cfg.units.mode === 'ou-tree' && !unit?.includes('ou'))
    refuse('units.mode ou-tree: map the unit name as the unit attribute `ou`, or set units.mode: none');
  if (cfg.units.mode === 'none' && unit)
    refuse('units are mapped but units.mode is none: set units.mode: ou-tree, or map no units');
  if (unit && has(unit, cfg.units.anchorAttribute))
    refuse(`units.anchorAttribute ${cfg.units.anchorAttribute} is mapped too: orgsync keeps its mark there`);
  if (attributes.person) {
    if (has(person, cfg.persons.anchorAttribute))
      refuse(
        `persons.anchorAttribute ${cfg.persons.anchorAttribute} is mapped too: orgsync keeps its mark there; choose another (employeeType) or unmap it`,
      );
    for (const required of ['cn', 'sn'])
      if (!has(person, required))
        refuse(`map the person attribute \`${required}\`: inetOrgPerson requires it`);
    if (!has(person, cfg.persons.rdnAttribute) && cfg.persons.rdnAttribute.toLowerCase() !== 'uid')
      refuse(
        `persons.rdnAttribute ${cfg.persons.rdnAttribute} is not mapped: map it, or name persons by uid`,
      );
    for (const name of Object.keys(cfg.disable.attributes))
      if (has(person, name))
        refuse(`disable.attributes ${name} is mapped too: one of them would undo the other`);
  }
}

function openSession(cfg: LdapConfig, ctx: TargetContext): TargetSession {
  if (ctx.attributes) checkMapping(cfg, ctx.attributes);
  const unitAttributes = ctx.attributes?.unit ?? [];
  const personAttributes = ctx.attributes?.person ?? [];
  const conn = new LdapConnection(cfg);
  let state: ApplyState | null = null;
  let loading: Promise<unknown> | null = null;
  const lock = new RwLock();

  const read = async () => {
    const links = (await ctx.links?.()) ?? new Map();
    const r = await readTree(conn, cfg, { unitAttributes, personAttributes, links });
    if (r.relinks.size > 0) await ctx.relink?.(r.relinks);
    if (r.duplicates > 0)
      ctx.logger.warn(
        { duplicates: r.duplicates },
        'entries carry the mark of an object another entry already is (copied by hand?): left alone',
      );
    state = {
      conn,
      cfg,
      tree: r.tree,
      refs: r.refs,
      logger: ctx.logger,
      containers: new Set(),
      personNameMapped: personAttributes.some(
        (n) => n.toLowerCase() === cfg.persons.rdnAttribute.toLowerCase(),
      ),
    };
    ctx.logger.info({ objects: r.objects.length }, 'read the LDAP subtree');
    return r.objects;
  };

  return {
    check: async () => {
      try {
        const base = await conn.lookup(cfg.baseDn, ['1.1'], `look for ${cfg.baseDn}`);
        if (!base) return { ok: false, message: `bound, but baseDn ${cfg.baseDn} does not exist: create it` };
        return { ok: true, message: `bound to ${cfg.url} as ${cfg.bind.dn}; ${cfg.baseDn} exists` };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
    read: async (types) => (await read()).filter((o) => types.includes(o.type)),
    apply: async (changes, { signal }) => {
      // A saved plan applied in a new session: where everything is is read first.
      // Concurrent calls (the executor runs several changes at once) share the one read.
      if (!state) {
        loading ??= read().finally(() => {
          loading = null;
        });
        await loading;
      }
      const results = [];
      for (const change of changes) {
        signal.throwIfAborted();
        const s = state!;
        const run = () => applyLdapChange(s, change);
        results.push(await (changesDn(s, change) ? lock.exclusive(run) : lock.shared(run)));
      }
      return results;
    },
    close: () => conn.close(),
  };
}

export const ldapTarget = defineTarget({
  name: 'ldap',
  description:
    'Generic LDAP (OpenLDAP): organizationalUnit entries mirroring the organisation, inetOrgPerson entries for persons',
  configSchema: LdapConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person'],
  textValues: true,
  open: openSession,
});
