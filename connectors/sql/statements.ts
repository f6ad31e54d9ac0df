/**
 * The statements the target runs, each for many rows at once. Names are quoted with pg's
 * escapeIdentifier; values are always parameters, cast to the column's type without its
 * length (`$3::pg_catalog.varchar`), so an over-long value is refused by the column
 * instead of being cut by the cast.
 */
import pg from 'pg';
import type { Column, TableLayout } from './catalog.js';

export interface Statement {
  text: string;
  values: unknown[];
}

const id = pg.escapeIdentifier;

/** PostgreSQL's limit of parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/**
 * unnest() takes a column's values as one array parameter, so a statement costs the server
 * the same to parse whatever the number of rows (a multi-row VALUES list of 8,000
 * parameters took three times as long to insert 50,000 rows). An array column's values are
 * arrays themselves, which unnest would flatten: those rows go as a VALUES list instead.
 */
const byColumn = (columns: readonly Column[]) => !columns.some((c) => c.category === 'A');

/** Rows a statement of `columns` may take: the chunk size, fewer for wide VALUES lists. */
export function maxRows(columns: readonly Column[], chunkSize: number): number {
  if (byColumn(columns)) return chunkSize;
  return Math.max(1, Math.min(chunkSize, Math.floor(MAX_PARAMETERS / columns.length)));
}

/** The rows as a table `v(v0, v1, ...)` of `columns`' types, for INSERT ... SELECT and UPDATE ... FROM. */
function rowSource(columns: readonly Column[], rows: readonly (readonly unknown[])[]): Statement {
  const aliases = `v(${columns.map((_, i) => `v${i}`).join(', ')})`;
  if (byColumn(columns)) {
    const arrays = columns.map((_, i) => rows.map((r) => r[i]));
    const params = columns.map((c, i) => `$${i + 1}::${c.sqlType}[]`);
    return { text: `unnest(${params.join(', ')}) AS ${aliases}`, values: arrays };
  }
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const cells = columns.map((c, i) => {
      values.push(row[i]);
      return `$${values.length}::${c.sqlType}`;
    });
    return `(${cells.join(', ')})`;
  });
  return { text: `(VALUES ${tuples.join(', ')}) AS ${aliases}`, values };
}

/**
 * INSERT ... ON CONFLICT (key) DO UPDATE: creates the rows, or brings rows that are already
 * there to the same values, so a create applied twice converges instead of failing.
 * `columns[0]` is the key column.
 */
export function upsert(
  t: TableLayout,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
): Statement {
  const source = rowSource(columns, rows);
  const rest = columns.slice(1);
  const onConflict =
    rest.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${rest.map((c) => `${id(c.name)} = EXCLUDED.${id(c.name)}`).join(', ')}`;
  const picked = columns.map((_, i) => `v.v${i}`).join(', ');
  return {
    text: `INSERT INTO ${t.ref} (${columns.map((c) => id(c.name)).join(', ')}) SELECT ${picked} FROM ${source.text} ON CONFLICT (${id(t.key.name)}) ${onConflict}`,
    values: source.values,
  };
}

/**
 * UPDATE ... FROM: sets `columns` (after the key, `columns[0]`) of each row to its own
 * values. Returns the keys it found, so a missing row is told apart.
 */
export function updateRows(
  t: TableLayout,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
): Statement {
  const source = rowSource(columns, rows);
  const set = columns
    .slice(1)
    .map((c, i) => `${id(c.name)} = v.v${i + 1}`)
    .join(', ');
  const key = id(t.key.name);
  return {
    text: `UPDATE ${t.ref} AS t SET ${set} FROM ${source.text} WHERE t.${key} = v.v0 RETURNING t.${key}::text`,
    values: source.values,
  };
}

/** Sets one column to one value on the rows of `keys`; returns the keys it found. */
export function setColumn(
  t: TableLayout,
  column: Column,
  value: unknown,
  keys: readonly string[],
): Statement {
  const key = id(t.key.name);
  return {
    text: `UPDATE ${t.ref} SET ${id(column.name)} = $2::${column.sqlType} WHERE ${key} = ANY($1::${t.key.sqlType}[]) RETURNING ${key}::text`,
    values: [keys, value],
  };
}

/** Deletes the rows of `keys`; a key without a row is no error. */
export function deleteRows(t: TableLayout, keys: readonly string[]): Statement {
  return {
    text: `DELETE FROM ${t.ref} WHERE ${id(t.key.name)} = ANY($1::${t.key.sqlType}[])`,
    values: [keys],
  };
}

/** Which of `keys` have a row. */
export function existingRows(t: TableLayout, keys: readonly string[]): Statement {
  const key = id(t.key.name);
  return {
    text: `SELECT ${key}::text FROM ${t.ref} WHERE ${key} = ANY($1::${t.key.sqlType}[])`,
    values: [keys],
  };
}

/** Every row: key, parent, disabled flag, then the given columns, in that order, sorted by key. */
export function selectRows(t: TableLayout, expressions: readonly string[]): string {
  const key = id(t.key.name);
  const parts = [
    `${key}::text`,
    t.parent ? `${id(t.parent.name)}::text` : 'NULL',
    t.flag ? id(t.flag.column.name) : 'NULL',
    ...expressions,
  ];
  return `SELECT ${parts.join(', ')} FROM ${t.ref} WHERE ${key} IS NOT NULL ORDER BY ${key}`;
}
