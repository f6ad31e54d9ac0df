/**
 * How one attribute value becomes one CSV cell and back.
 *
 * Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with
 * = + - @ TAB or CR may be run as a formula when someone opens the export in Excel or
 * LibreOffice, and HR text (a job title, an e-mail typed by a person) is not trusted.
 * Such a cell gets a leading apostrophe, which spreadsheets treat as "this is text" and
 * do not display. A value that itself starts with an apostrophe is escaped the same way,
 * so that unescaping is exact: strip one apostrophe when what follows would have needed
 * it. Nothing else is ever touched.
 */
import type { AttrValue } from '../../src/sdk/types.js';

const NEEDS_ESCAPE = /^[=+\-@\t\r']/;

export function escapeCell(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `'${text}` : text;
}

/** The exact inverse of escapeCell(); text it did not produce comes back unchanged. */
export function unescapeCell(cell: string): string {
  return cell.startsWith("'") && NEEDS_ESCAPE.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * The kind of value a cell held before it became text. A CSV cell is only text, so the
 * full-mode sidecar keeps these tags to give read() the typed value back.
 * `absent`: the object has no such attribute; the column is there for other objects.
 */
export const VALUE_TAGS = ['string', 'number', 'boolean', 'null', 'list', 'absent'] as const;
export type ValueTag = (typeof VALUE_TAGS)[number];

export function tagOf(value: AttrValue | undefined): ValueTag {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value as 'string' | 'number' | 'boolean';
}

/**
 * The unescaped text of a value. Lists are JSON arrays (`["a","b"]`): no separator
 * character is safe inside free text, and JSON round-trips exactly.
 */
export function valueText(value: AttrValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** A value as the cell written to the file: text form, then injection-escaped. */
export const toCell = (value: AttrValue | undefined): string => escapeCell(valueText(value));

/**
 * A cell back to its value, given the tag it was written with. A cell that no longer fits
 * its tag (someone edited the file) comes back as its text rather than a wrong value.
 * Returns undefined for an absent attribute.
 */
export function fromCell(cell: string, tag: ValueTag): AttrValue | undefined {
  const text = unescapeCell(cell);
  switch (tag) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && (!Number.isNaN(n) || text === 'NaN') ? n : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'null':
      return text === '' ? null : text;
    case 'absent':
      return text === '' ? undefined : text;
    case 'list':
      return parseList(text);
  }
}

function parseList(text: string): AttrValue {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  } catch {
    // Not a JSON list any more: fall through to the text.
  }
  return text;
}
