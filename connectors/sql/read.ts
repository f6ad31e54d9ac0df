/**
 * Reading the tables back: every row of each configured table is an object orgsync holds
 * there, with the values of the mapped columns, its parent and whether it is disabled.
 * The engine plans from this, so a row someone edited or removed by hand is put right.
 */
import type pg from 'pg';
import type { Link } from '../../src/sdk/connector.js';
import type { Attrs, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import type { Layouts } from './catalog.js';
import { selectRows } from './statements.js';
import { fromColumn, readExpression } from './values.js';

export async function readTables(
  client: pg.ClientBase,
  layouts: Layouts,
  types: readonly ObjectType[],
  links: (() => Promise<ReadonlyMap<string, Link>>) | undefined,
): Promise<CurrentObject[]> {
  const wanted = types.flatMap((type) => {
    const t = layouts.get(type);
    return t ? [t] : [];
  });
  // A table without a parent column holds no placement to read: the object is where orgsync
  // last put it (its link), so that moves are not planned again and again.
  const placed = wanted.some((t) => !t.parent) ? ((await links?.()) ?? new Map<string, Link>()) : null;
  const out: CurrentObject[] = [];
  for (const t of wanted) {
    const attrs = [...t.attributes];
    const { rows } = await client.query<unknown[]>({
      text: selectRows(
        t,
        attrs.map(([, column]) => readExpression(column)),
      ),
      rowMode: 'array',
    });
    for (const row of rows) {
      const key = row[0] as string;
      const values: Attrs = {};
      attrs.forEach(([name, column], i) => {
        values[name] = fromColumn(row[3 + i], column);
      });
      const flag = row[2] as boolean | null;
      out.push({
        type: t.type,
        key,
        parentKey: t.parent
          ? ((row[1] as string | null) ?? null)
          : (placed?.get(`${t.type}:${key}`)?.parentKey ?? null),
        attrs: values,
        // NULL in the flag column says nothing either way: the object counts as active.
        disabled: t.flag ? (t.flag.active ? flag === false : flag === true) : false,
      });
    }
  }
  return out;
}
