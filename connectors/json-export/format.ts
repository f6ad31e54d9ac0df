/**
 * The export file: `{ formatVersion: 1, generatedAt, objects: { unit: { <key>: { parentKey,
 * active, attrs } }, person: {...}, position: {...} } }`. JSON keeps numbers, booleans,
 * nulls and lists as they are, so read() returns exactly what was written.
 */
import { z } from 'zod';
import { type Attrs, type AttrValue, OBJECT_TYPES, type ObjectType } from '../../src/sdk/types.js';
import { setOwn } from '../../src/util/collections.js';
import type { ObjectTable, TableRow } from '../csv-export/object-table.js';

export const FORMAT_VERSION = 1;

const AttrValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
const Entry = z.strictObject({
  parentKey: z.string().nullable(),
  active: z.boolean(),
  attrs: z.custom<Record<string, unknown>>(isPlainObject, 'must be an object'),
});
const Header = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  generatedAt: z.string(),
  objects: z.object({
    unit: z.custom<Record<string, unknown>>(isPlainObject, 'must be an object'),
    person: z.custom<Record<string, unknown>>(isPlainObject, 'must be an object'),
    position: z.custom<Record<string, unknown>>(isPlainObject, 'must be an object'),
  }),
});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type Tables = Record<ObjectType, ObjectTable>;

export const emptyTables = (): Tables => ({ unit: new Map(), person: new Map(), position: new Map() });

/**
 * Keyed maps are walked with Object.entries on the parsed JSON rather than parsed as
 * z.record: zod rebuilds records by assignment, which would drop a key such as `__proto__`.
 * Keys are HR data; none may be lost silently.
 */
export function parseExport(json: unknown): Tables {
  const header = Header.parse(json);
  const tables = emptyTables();
  for (const type of OBJECT_TYPES) {
    for (const [key, raw] of Object.entries(header.objects[type])) {
      const entry = Entry.parse(raw);
      const attrs: Attrs = {};
      for (const [name, v] of Object.entries(entry.attrs))
        setOwn<AttrValue>(attrs, name, AttrValueSchema.parse(v));
      tables[type].set(key, { key, parentKey: entry.parentKey, active: entry.active, attrs });
    }
  }
  return tables;
}

export function renderExport(tables: Tables, generatedAt: Date): string {
  // fromEntries defines own properties, so JSON.stringify writes every key, __proto__ included.
  const objects = (table: ObjectTable) =>
    Object.fromEntries(
      [...table.values()].map((r: TableRow) => [
        r.key,
        { parentKey: r.parentKey, active: r.active, attrs: r.attrs },
      ]),
    );
  const file = {
    formatVersion: FORMAT_VERSION,
    generatedAt: generatedAt.toISOString(),
    objects: {
      unit: objects(tables.unit),
      person: objects(tables.person),
      position: objects(tables.position),
    },
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
