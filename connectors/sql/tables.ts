/**
 * Which column each mapped attribute goes to, per object type, worked out from the
 * configuration and the target's mapping alone (no database needed): the mistakes it can
 * find are refused when the session opens, before anything is read or written.
 */
import { ConnectorError } from '../../src/sdk/errors.js';
import type { ObjectType } from '../../src/sdk/types.js';
import { type SqlConfig, TABLE_TYPES, type TableConfig } from './config.js';

export interface TablePlan {
  type: ObjectType;
  config: TableConfig;
  /** Mapped attribute -> column. A create writes every one of them (NULL for an empty value). */
  attributes: Map<string, string>;
}

const invalid = (message: string) => new ConnectorError('invalid-config', message);

/**
 * One plan per configured table. `mapped` is the target's mapping (attribute names per
 * type); without it (a session opened outside the engine) the `columns` lists are the mapping.
 */
export function planTables(
  cfg: SqlConfig,
  mapped: Partial<Record<ObjectType, readonly string[]>> | undefined,
): Map<ObjectType, TablePlan> {
  const plans = new Map<ObjectType, TablePlan>();
  for (const type of TABLE_TYPES) {
    const t = cfg.tables[type];
    const names = mapped?.[type];
    if (!t) {
      if (names)
        throw invalid(`objects.${type} is mapped but tables.${type} is not configured: name its table`);
      continue;
    }
    // A table for a type this target does not map is left alone: not checked, read or written.
    if (mapped && !names) continue;
    const attributes = new Map<string, string>();
    for (const name of names ?? Object.keys(t.columns)) attributes.set(name, t.columns[name] ?? name);
    for (const name of Object.keys(t.columns)) {
      if (!attributes.has(name))
        throw invalid(
          `tables.${type}.columns.${name}: the mapping of ${type} sets no attribute ${name}; remove it or map it`,
        );
    }
    const fixed = new Map<string, string>([[t.key, 'key']]);
    if (t.parent !== undefined) fixed.set(t.parent, 'parent');
    if (t.disabled !== undefined) fixed.set(t.disabled, 'disabled');
    if (t.active !== undefined) fixed.set(t.active, 'active');
    const taken = new Map<string, string>();
    for (const [name, column] of attributes) {
      const role = fixed.get(column);
      if (role)
        throw invalid(
          `tables.${type}: attribute ${name} would write column ${column}, which is the ${role} column; map it to another column in tables.${type}.columns`,
        );
      const other = taken.get(column);
      if (other)
        throw invalid(
          `tables.${type}: attributes ${other} and ${name} would both write column ${column}; give one another column in tables.${type}.columns`,
        );
      taken.set(column, name);
    }
    plans.set(type, { type, config: t, attributes });
  }
  return plans;
}
