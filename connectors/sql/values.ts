/**
 * Attribute values to column values and back. Values always travel as statement
 * parameters, cast to the column's type, so the server converts them (text '42' into an
 * integer column) and refuses what does not fit, naming the column. Reading converts back
 * to the few kinds of value an attribute has: text, number, boolean, list of text, null.
 */
import pg from 'pg';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue } from '../../src/sdk/types.js';
import type { Column } from './catalog.js';

/**
 * The value to bind for `value` in `column`. "No value" (null, '', an empty list: the
 * engine treats them alike) is NULL unless the column holds that form itself ('' in a text
 * column, an empty list in an array column). A list goes into an array column; into any
 * other column only a list of one value does (as that value), as a list has no one text form.
 */
export function toParam(value: AttrValue, column: Column, attribute: string): unknown {
  if (column.category === 'A') {
    if (value === null || Array.isArray(value)) return value;
    return value === '' ? [] : [String(value)];
  }
  let one: string | number | boolean | null;
  if (Array.isArray(value)) {
    if (value.length > 1)
      throw new ConnectorError(
        'invalid-value',
        `attribute ${attribute} holds ${value.length} values and column ${column.name} is ${column.typeName}, not an array: make it an array column (text[]) or join the values in the mapping (| join)`,
      );
    one = value[0] ?? null;
  } else one = value as string | number | boolean | null;
  if (one === '' && column.category !== 'S') return null;
  if (column.category === 'D' && one !== null) checkIsoDate(one, column, attribute);
  return one;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

/**
 * Dates and times only in ISO 8601 form. The server reads any other form by its DateStyle:
 * with `ISO, MDY` (the default) `05-02-2024` is 2 May, where a Danish source meant 5
 * February; such a value would be stored wrong without a word. Refused as invalid-value,
 * naming the attribute and column, never the value.
 */
function checkIsoDate(value: string | number | boolean, column: Column, attribute: string): void {
  const type = column.sqlType.replace(/^pg_catalog\./, '');
  const [form, pattern] =
    type === 'date'
      ? ['YYYY-MM-DD', ISO_DATE]
      : type === 'time' || type === 'timetz'
        ? ['HH:MM:SS', ISO_TIME]
        : ['YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional offset', ISO_TIMESTAMP];
  if (typeof value === 'string' && pattern.test(value)) return;
  throw new ConnectorError(
    'invalid-value',
    `attribute ${attribute}: column ${column.name} is ${column.typeName} and takes a value only in ISO 8601 form (${form}), as the server would read any other form by its DateStyle and might swap day and month; give the value in that form in the source or the mapping`,
  );
}

/**
 * The SELECT expression that reads a column in a form `fromColumn` turns into an attribute
 * value: booleans and numbers as they are, arrays as text[], dates and times as ISO 8601
 * (to_json's form, whatever DateStyle the session has), anything else as its text.
 */
export function readExpression(column: Column): string {
  const id = pg.escapeIdentifier(column.name);
  switch (column.category) {
    case 'B':
    case 'N':
      return id;
    case 'A':
      return `${id}::text[]`;
    case 'D':
      return `to_json(${id}) #>> '{}'`;
    default:
      return `${id}::text`;
  }
}

/** bigint and numeric arrive as text (they may not fit a JS number): numbers when they do fit. */
function numberOf(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text; // money, NaN: kept as the server writes them
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) return text;
  return n;
}

export function fromColumn(raw: unknown, column: Column): AttrValue {
  if (raw === null || raw === undefined) return null;
  if (column.category === 'N' && typeof raw === 'string') return numberOf(raw);
  if (Array.isArray(raw)) return raw.map((x) => (x === null ? '' : String(x)));
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  return String(raw);
}
