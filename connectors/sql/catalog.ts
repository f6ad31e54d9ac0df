/**
 * Checks the configured tables against the database's catalog and learns each column's
 * type. orgsync does not create or alter tables (their owner, a DBA or the line-of-business
 * vendor, does), so a table or column that is not there is reported with its name and what
 * to do, before any change is tried.
 *
 * Columns are listed from information_schema, which shows only what the connecting user
 * may use: a table the user has no privilege on is reported as not found, with that hint.
 */
import pg from 'pg';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { ObjectType } from '../../src/sdk/types.js';
import { getOrCreate } from '../../src/util/collections.js';
import type { SqlConfig } from './config.js';
import type { TablePlan } from './tables.js';

export interface Column {
  name: string;
  /**
   * The column's type without length or precision, for casting parameters, by its catalog
   * name (`pg_catalog.varchar`): `character`, the SQL name of char(n), would cast to char(1)
   * and cut the value.
   */
  sqlType: string;
  /** The type as the table declares it, for messages: `character varying(50)`. */
  typeName: string;
  /** pg_type.typcategory: S text, N numeric, B boolean, D date/time, A array, U user-defined, E enum... */
  category: string;
}

export interface TableLayout {
  type: ObjectType;
  /** schema.table, for messages. */
  label: string;
  /** The quoted, schema-qualified name, for statements. */
  ref: string;
  key: Column;
  parent: Column | null;
  /** The disabled column, or the active one (`active: true`): its value is the negation. */
  flag: { column: Column; active: boolean } | null;
  /** Mapped attribute -> column. */
  attributes: Map<string, Column>;
  /** Every column of the table, for an attribute a change carries that the mapping did not name. */
  columns: Map<string, Column>;
}

export type Layouts = Map<ObjectType, TableLayout>;

const COLUMNS_SQL = `
  SELECT c.table_name, c.column_name, format('%I.%I', tn.nspname, t.typname) AS sql_type,
    format_type(a.atttypid, a.atttypmod) AS type_name, t.typcategory AS category
  FROM information_schema.columns c
  JOIN pg_catalog.pg_namespace n ON n.nspname = c.table_schema
  JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = c.table_name
  JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attname = c.column_name
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  WHERE c.table_schema = $1 AND c.table_name = ANY($2::text[])`;

/**
 * Columns that have a unique index of their own (no other columns, no predicate, no
 * expression), and whether it is checked at once: ON CONFLICT cannot use a DEFERRABLE
 * constraint (it refuses every insert with 55000), so only an immediate one will do.
 */
const UNIQUE_SQL = `
  SELECT r.relname AS table_name, a.attname AS column_name, i.indimmediate AS immediate
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class r ON r.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = i.indkey[0]
  WHERE n.nspname = $1 AND r.relname = ANY($2::text[])
    AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL`;

const invalid = (message: string) => new ConnectorError('invalid-config', message);

/** Reads the catalog once and builds every table's layout; the first mismatch is thrown. */
export async function verifyTables(
  client: pg.ClientBase,
  cfg: SqlConfig,
  plans: ReadonlyMap<ObjectType, TablePlan>,
  where: string,
): Promise<Layouts> {
  const tables = [...plans.values()].map((p) => p.config.table);
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    sql_type: string;
    type_name: string;
    category: string;
  }>(COLUMNS_SQL, [cfg.schema, tables]);
  const byTable = new Map<string, Map<string, Column>>();
  for (const r of rows) {
    getOrCreate(byTable, r.table_name, () => new Map<string, Column>()).set(r.column_name, {
      name: r.column_name,
      sqlType: r.sql_type,
      typeName: r.type_name,
      category: r.category,
    });
  }
  if (byTable.size === 0) {
    const schema = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [
      cfg.schema,
    ]);
    if (schema.rowCount === 0)
      throw invalid(`schema: there is no schema ${cfg.schema} in ${where}; create it, or correct schema`);
  }
  const unique = await client.query<{ table_name: string; column_name: string; immediate: boolean }>(
    UNIQUE_SQL,
    [cfg.schema, tables],
  );
  const uniqueColumns = new Set(
    unique.rows.filter((r) => r.immediate).map((r) => `${r.table_name}\0${r.column_name}`),
  );
  const deferrableColumns = new Set(
    unique.rows.filter((r) => !r.immediate).map((r) => `${r.table_name}\0${r.column_name}`),
  );

  const layouts: Layouts = new Map();
  for (const [type, plan] of plans) {
    const t = plan.config;
    const label = `${cfg.schema}.${t.table}`;
    const cols = byTable.get(t.table);
    if (!cols)
      throw invalid(
        `tables.${type}.table: table ${label} does not exist in ${where}, or the user may not use it; create it (the README has a sample CREATE TABLE), grant access, or correct the name (names are case-sensitive)`,
      );
    const column = (name: string, setting: string): Column => {
      const c = cols.get(name);
      if (!c)
        throw invalid(
          `${setting}: table ${label} has no column ${name}; add the column, or name an existing one in ${setting}`,
        );
      return c;
    };
    const key = column(t.key, `tables.${type}.key`);
    if (key.category !== 'S')
      throw invalid(
        `tables.${type}.key: column ${t.key} of ${label} is ${key.typeName}; orgsync's keys are text, so it must be text or varchar`,
      );
    if (!uniqueColumns.has(`${t.table}\0${t.key}`) && deferrableColumns.has(`${t.table}\0${t.key}`))
      throw invalid(
        `tables.${type}.key: the PRIMARY KEY or UNIQUE constraint on column ${t.key} of ${label} is DEFERRABLE, and orgsync's upsert (INSERT ... ON CONFLICT) cannot use a deferrable constraint; drop it and add it again without DEFERRABLE, or add one that is not deferrable (ALTER TABLE ${label} ADD UNIQUE (${t.key}))`,
      );
    if (!uniqueColumns.has(`${t.table}\0${t.key}`))
      throw invalid(
        `tables.${type}.key: column ${t.key} of ${label} has no PRIMARY KEY or UNIQUE constraint of its own, which orgsync's upsert needs; add one (ALTER TABLE ${label} ADD UNIQUE (${t.key}))`,
      );
    const parent = t.parent === undefined ? null : column(t.parent, `tables.${type}.parent`);
    if (parent && parent.category !== 'S')
      throw invalid(
        `tables.${type}.parent: column ${t.parent} of ${label} is ${parent.typeName}; it holds unit keys, so it must be text or varchar`,
      );
    const flagName = t.disabled ?? t.active;
    const flagSetting = t.disabled !== undefined ? `tables.${type}.disabled` : `tables.${type}.active`;
    const flag = flagName === undefined ? null : column(flagName, flagSetting);
    if (flag && flag.category !== 'B')
      throw invalid(`${flagSetting}: column ${flagName} of ${label} is ${flag.typeName}; it must be boolean`);
    const attributes = new Map<string, Column>();
    for (const [attr, name] of plan.attributes) {
      const c = cols.get(name);
      if (!c)
        throw invalid(
          `tables.${type}.columns.${attr}: attribute ${attr} goes to column ${name}, which table ${label} does not have; add the column, or map ${attr} to an existing column in tables.${type}.columns.${attr}`,
        );
      attributes.set(attr, c);
    }
    layouts.set(type, {
      type,
      label,
      ref: `${pg.escapeIdentifier(cfg.schema)}.${pg.escapeIdentifier(t.table)}`,
      key,
      parent,
      flag: flag ? { column: flag, active: t.active !== undefined } : null,
      attributes,
      columns: cols,
    });
  }
  return layouts;
}
