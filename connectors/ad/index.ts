/**
 * Active Directory target: OUs for units (optional), accounts for persons, over LDAPS with
 * ldapts. See README.md for what it writes and why.
 */
import { defineTarget, type TargetContext, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import { RwLock } from '../../src/util/rw-lock.js';
import { type ApplyState, applyAdChange } from './apply.js';
import { AdConfig } from './config.js';
import { Directory } from './directory.js';
import { UnitGroups } from './groups.js';
import { readDirectory } from './read.js';

export { AdConfig } from './config.js';

function openSession(cfg: AdConfig, ctx: TargetContext): TargetSession {
  const unitAttributes = ctx.attributes?.unit ?? [];
  const personAttributes = ctx.attributes?.person ?? [];
  // Mistakes that would otherwise fail every change at apply time, refused at once.
  if (ctx.attributes) {
    if (cfg.units.mode === 'ou-tree' && !ctx.attributes.unit)
      throw new ConnectorError('invalid-config', 'units.mode ou-tree: map units (at least their `ou` name)');
    if (cfg.units.mode === 'none' && ctx.attributes.unit)
      throw new ConnectorError(
        'invalid-config',
        'units are mapped but units.mode is none: set units.mode: ou-tree',
      );
    if (cfg.units.mode === 'ou-tree' && !unitAttributes.includes('ou'))
      throw new ConnectorError(
        'invalid-config',
        'units.mode ou-tree: map the OU name as the unit attribute `ou`',
      );
  }
  const dir = new Directory(cfg);
  const groups = new UnitGroups(dir, cfg);
  let state: ApplyState | null = null;

  const read = async () => {
    const links = (await ctx.links?.()) ?? new Map();
    const r = await readDirectory(dir, cfg, { unitAttributes, personAttributes, links, groups });
    if (r.relinks.size > 0) await ctx.relink?.(r.relinks);
    state = {
      dir,
      cfg,
      placement: r.placement,
      accountNames: r.accountNames,
      mapped: new Set(personAttributes),
      groups,
      waiting: new Map(),
      structure: new RwLock(),
    };
    ctx.logger.info({ objects: r.objects.length }, 'read Active Directory');
    return r.objects;
  };

  return {
    check: async () => {
      try {
        await dir.check();
        return { ok: true, message: `bound to ${cfg.url} as ${cfg.bind.user}` };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
    read: async (types) => (await read()).filter((o) => types.includes(o.type)),
    apply: async (changes, { signal }) => {
      // A saved plan applied in a new process: the placement is read first.
      if (!state) await read();
      const results = [];
      for (const change of changes) {
        signal.throwIfAborted();
        results.push(await applyAdChange(state!, change));
      }
      return results;
    },
    close: () => dir.close(),
  };
}

export const adTarget = defineTarget({
  name: 'ad',
  description:
    'Active Directory over LDAPS: OUs mirroring the organisation, accounts correlated by an anchor',
  configSchema: AdConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person'],
  textValues: true,
  open: openSession,
});
