/**
 * Applying a change set: all of it in ONE transaction, so a line-of-business system
 * reading the tables sees the organisation before the run or after it, never half-way.
 *
 * Speed: consecutive changes that make the same statement (creates of one table, disables,
 * deletes, updates of the same columns) run as one multi-row statement per chunk, so a
 * first sync of 50,000 persons is some fifty statements, not 50,000 round trips.
 *
 * Isolation: each chunk runs under a SAVEPOINT. When the database refuses it (a NOT NULL,
 * a value too long, a foreign key), the chunk is rolled back to the savepoint and its
 * changes are tried one by one, each under its own savepoint: the refused ones fail with
 * the kind their SQLSTATE means, the rest commit with the others. A chunk that fails for
 * a passing reason (lock or statement timeout, deadlock) fails as a whole, as transient,
 * and the executor retries its changes in a new transaction; so does one refused for the
 * statement rather than a row (a missing GRANT), with its own kind, as each row alone
 * would only be refused the same way.
 */
import type pg from 'pg';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import type { Column, Layouts, TableLayout } from './catalog.js';
import { isDatabaseError, refusesEveryRow, sqlError } from './errors.js';
import {
  deleteRows,
  existingRows,
  maxRows,
  type Statement,
  setColumn,
  updateRows,
  upsert,
} from './statements.js';
import { toParam } from './values.js';

/** What one change does to its table, in a form that can share a statement with others. */
type Write =
  /** Create: the row with these columns (key first), inserted or brought to these values. */
  | { kind: 'upsert'; columns: Column[]; row: unknown[] }
  /** Update/move: these columns (key first) set on the existing row. */
  | { kind: 'update'; columns: Column[]; row: unknown[] }
  /** Disable: the disabled/active column set on the existing row. */
  | { kind: 'flag'; column: Column; value: boolean }
  | { kind: 'delete' }
  /** An update with nothing this table holds (a move where there is no parent column): the row must exist. */
  | { kind: 'exists' };

interface Item {
  index: number;
  change: Change;
  table: TableLayout;
  write: Write;
  /** Changes with the same signature in a row share a statement. */
  signature: string;
}

export interface ApplyOptions {
  signal: AbortSignal;
  chunkSize: number;
  scrub: (s: string) => string;
}

const named = (c: Change) => `${c.action} ${c.type} ${c.key}`;

/** The column an attribute goes to: the mapped one, else a column of the attribute's name. */
function columnFor(t: TableLayout, attribute: string): Column {
  const c = t.attributes.get(attribute) ?? t.columns.get(attribute);
  if (!c)
    throw new ConnectorError(
      'invalid-config',
      `attribute ${attribute}: table ${t.label} has no column ${attribute}; add it, or map ${attribute} to a column in tables.${t.type}.columns`,
    );
  return c;
}

/** The value of the disabled/active column for an object that is (not) disabled. */
const flagValue = (t: TableLayout, disabled: boolean) => (t.flag!.active ? !disabled : disabled);

/** The key column and value first, then each column added with its value. */
function rowOf(t: TableLayout, key: string) {
  const columns: Column[] = [t.key];
  const row: unknown[] = [key];
  const add = (column: Column, value: unknown) => {
    columns.push(column);
    row.push(value);
  };
  return { columns, row, add };
}

function writeOf(change: Change, t: TableLayout): Write {
  switch (change.action) {
    case 'create':
    case 'replace': {
      // Every mapped column, the ones without a value (the plan leaves empty values out) as
      // NULL: an existing row (a create applied twice) must end up as a new one would.
      const given = new Map(change.attrs.map((a) => [a.name, a.new]));
      const { columns, row, add } = rowOf(t, change.key);
      if (t.parent) add(t.parent, change.parentKey);
      if (t.flag) add(t.flag.column, flagValue(t, false));
      for (const [attr, column] of t.attributes) add(column, toParam(given.get(attr) ?? null, column, attr));
      for (const [attr, value] of given) {
        if (t.attributes.has(attr)) continue;
        const column = columnFor(t, attr);
        add(column, toParam(value, column, attr));
      }
      return { kind: 'upsert', columns, row };
    }
    case 'update':
    case 'move': {
      const { columns, row, add } = rowOf(t, change.key);
      for (const a of change.attrs) {
        const column = columnFor(t, a.name);
        add(column, toParam(a.new, column, a.name));
      }
      if (change.action === 'move' && t.parent) add(t.parent, change.parentKey);
      if (change.enable && t.flag) add(t.flag.column, flagValue(t, false));
      return columns.length === 1 ? { kind: 'exists' } : { kind: 'update', columns, row };
    }
    case 'disable':
      if (!t.flag)
        throw new ConnectorError(
          'invalid-config',
          `tables.${t.type} has no disabled or active column, so a ${t.type} cannot be disabled: configure one, or set onRemove.${t.type}: delete`,
        );
      return { kind: 'flag', column: t.flag.column, value: flagValue(t, true) };
    case 'delete':
      return { kind: 'delete' };
  }
}

function signatureOf(type: string, w: Write): string {
  const cols = 'columns' in w ? w.columns.map((c) => c.name).join('\0') : '';
  return `${type}\0${w.kind}\0${cols}`;
}

/** The statement for a group of items of one signature, and how to read which rows it found. */
function statementFor(items: readonly Item[]): { statement: Statement; reportsFound: boolean } {
  const { table, write } = items[0]!;
  const keys = items.map((i) => i.change.key);
  switch (write.kind) {
    case 'upsert':
      return {
        statement: upsert(
          table,
          write.columns,
          items.map((i) => (i.write as { row: unknown[] }).row),
        ),
        reportsFound: false,
      };
    case 'update':
      return {
        statement: updateRows(
          table,
          write.columns,
          items.map((i) => (i.write as { row: unknown[] }).row),
        ),
        reportsFound: true,
      };
    case 'flag':
      return { statement: setColumn(table, write.column, write.value, keys), reportsFound: true };
    case 'delete':
      return { statement: deleteRows(table, keys), reportsFound: false };
    case 'exists':
      return { statement: existingRows(table, keys), reportsFound: true };
  }
}

/** Rows one statement of this shape may take. */
const rowsPerStatement = (item: Item, chunkSize: number): number =>
  'columns' in item.write ? maxRows(item.write.columns, chunkSize) : chunkSize;

const notFound = (item: Item): ChangeResult => ({
  changeId: item.change.id,
  status: 'failed',
  errorKind: 'not-found',
  message: `${named(item.change)}: ${item.table.label} has no row with ${item.table.key.name} = ${item.change.key} (removed by someone else); the next run reads the table and creates it again`,
});

/** Applies `changes` in one transaction on `client`; one result per change, in order. */
export async function applyChanges(
  client: pg.ClientBase,
  layouts: Layouts,
  changes: readonly Change[],
  opts: ApplyOptions,
): Promise<ChangeResult[]> {
  const results: (ChangeResult | undefined)[] = new Array(changes.length);
  const byId = new Map<string, ChangeResult>();
  const settle = (item: { index: number; change: Change }, r: ChangeResult) => {
    results[item.index] = r;
    byId.set(item.change.id, r);
  };

  // Changes that cannot be written (no table for the type, a list into a plain column)
  // fail here, without touching the database.
  const items: Item[] = [];
  changes.forEach((change, index) => {
    const table = layouts.get(change.type);
    try {
      if (!table)
        throw new ConnectorError(
          'invalid-config',
          `no table is configured for ${change.type}: add tables.${change.type}`,
        );
      const write = writeOf(change, table);
      items.push({ index, change, table, write, signature: signatureOf(change.type, write) });
    } catch (e) {
      const err = e instanceof ConnectorError ? e : new ConnectorError('invalid-value', String(e));
      settle(
        { index, change },
        {
          changeId: change.id,
          status: 'failed',
          errorKind: err.kind,
          message: `${named(change)}: ${err.message}`,
        },
      );
    }
  });

  /** A change waits for `after`: one that failed or was skipped in this set skips it. */
  const blocker = (item: Item): string | undefined =>
    item.change.after.find((dep) => {
      const r = byId.get(dep);
      return r !== undefined && r.status !== 'applied';
    });

  const run = async (group: readonly Item[]) => {
    const { statement, reportsFound } = statementFor(group);
    const { rows } = await client.query<string[]>({
      text: statement.text,
      values: statement.values,
      rowMode: 'array',
    });
    const found = reportsFound ? new Set(rows.map((r) => r[0])) : null;
    for (const item of group)
      settle(
        item,
        found && !found.has(item.change.key)
          ? notFound(item)
          : { changeId: item.change.id, status: 'applied' },
      );
  };

  /** Runs `group` under a savepoint; a refusal rolls back to it and is returned, anything else thrown. */
  const attempt = async (group: readonly Item[]): Promise<unknown> => {
    await client.query('SAVEPOINT orgsync_change');
    try {
      await run(group);
      await client.query('RELEASE SAVEPOINT orgsync_change');
      return undefined;
    } catch (e) {
      if (!isDatabaseError(e)) throw e; // the connection is gone: the whole transaction is
      await client.query('ROLLBACK TO SAVEPOINT orgsync_change');
      await client.query('RELEASE SAVEPOINT orgsync_change');
      return e;
    }
  };

  try {
    // Inside the try: a pooled connection the server has dropped fails here, and that is
    // reported (transient) like any other lost connection.
    await client.query('BEGIN');
    let i = 0;
    while (i < items.length) {
      if (opts.signal.aborted) {
        for (const item of items.slice(i))
          settle(item, {
            changeId: item.change.id,
            status: 'skipped',
            message: 'not started: the run was stopped',
          });
        break;
      }
      // The next group: consecutive items of one signature, each key once (one statement
      // cannot write a row twice), those waiting for a failed change skipped.
      const group: Item[] = [];
      const keys = new Set<string>();
      const limit = rowsPerStatement(items[i]!, opts.chunkSize);
      const signature = items[i]!.signature;
      for (; i < items.length && group.length < limit; i++) {
        const item = items[i]!;
        if (item.signature !== signature || keys.has(item.change.key)) break;
        const dep = blocker(item);
        if (dep !== undefined) {
          settle(item, {
            changeId: item.change.id,
            status: 'skipped',
            message: `skipped: ${dep} it waits for was ${byId.get(dep)!.status}`,
          });
          continue;
        }
        group.push(item);
        keys.add(item.change.key);
      }
      if (group.length === 0) continue;
      const refusal = await attempt(group);
      if (refusal === undefined) continue;
      // A lock or statement timeout, a deadlock: the group fails as one, to be retried.
      // Trying each alone would cost a timeout per row when a whole table is locked. So
      // does a refusal that is about the statement, not a row (a missing GRANT or column):
      // each row alone would only be refused the same way.
      if (refusesEveryRow(refusal)) {
        for (const item of group) {
          const err = sqlError(
            refusal,
            `${named(item.change)} not applied to ${item.table.label}`,
            opts.scrub,
          );
          settle(item, {
            changeId: item.change.id,
            status: 'failed',
            errorKind: err.kind,
            message: err.message,
          });
        }
        continue;
      }
      // Someone in the group was refused: each alone, to find who.
      for (const item of group) {
        const dep = blocker(item);
        if (dep !== undefined) {
          settle(item, {
            changeId: item.change.id,
            status: 'skipped',
            message: `skipped: ${dep} it waits for was ${byId.get(dep)!.status}`,
          });
          continue;
        }
        const e = group.length === 1 ? refusal : await attempt([item]);
        if (e === undefined) continue;
        const err = sqlError(e, `${named(item.change)} refused by ${item.table.label}`, opts.scrub);
        settle(item, {
          changeId: item.change.id,
          status: 'failed',
          errorKind: err.kind,
          message: err.message,
        });
      }
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    // Nothing of this set was written: every change fails with the one cause.
    throw sqlError(
      e,
      `apply ${changes.length} changes to ${[...layouts.values()].map((t) => t.label).join(', ')} (rolled back, nothing written)`,
      opts.scrub,
    );
  }
  return results.map((r, i) => r ?? { changeId: changes[i]!.id, status: 'skipped', message: 'not started' });
}
