/** CSV text in and out, with the dialect the target is configured for. */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ConnectorError } from '../../src/sdk/errors.js';
import { escapeCell, unescapeCell } from './cells.js';
import type { CsvExportConfig } from './config.js';

/**
 * CRLF records (RFC 4180, what Excel writes). csv-stringify quotes a cell containing the
 * whole record delimiter but not a lone CR or LF, and both would split the record for a
 * reader, so any cell holding either is quoted.
 */
export function renderCsv(
  header: readonly string[],
  rows: readonly string[][],
  cfg: CsvExportConfig,
): string {
  return stringify([header.map(escapeCell), ...rows], {
    delimiter: cfg.delimiter,
    bom: cfg.bom,
    record_delimiter: '\r\n',
    quoted_match: /[\r\n]/,
  });
}

export interface ParsedCsv {
  /** Column names, unescaped. */
  header: string[];
  /** Data records, cells still escaped (the caller knows how to decode each). */
  rows: string[][];
}

/** Parses a file this target wrote. A file that does not parse is a conflict the operator must see. */
export function parseCsv(text: string, cfg: CsvExportConfig, file: string): ParsedCsv {
  let records: string[][];
  try {
    records = parse(text, { delimiter: cfg.delimiter, bom: true, skip_empty_lines: true });
  } catch (e) {
    throw new ConnectorError('conflict', `${file} is not valid CSV: ${describeCsvError(e)}`, { cause: e });
  }
  const [header = [], ...rows] = records;
  return { header: header.map(unescapeCell), rows };
}

/**
 * csv-parse's own messages can quote part of the row (a CPR, a name), so the message is
 * built from its error code and line number only.
 */
export function describeCsvError(e: unknown): string {
  const { code, lines } = e as { code?: string; lines?: number };
  const what =
    code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted value is never closed (truncated file?)'
      : code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? 'a row has another number of columns than the header'
        : code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
          ? 'a quote character in the middle of a value'
          : (code ?? 'unreadable');
  return lines === undefined ? what : `line ${lines}: ${what}`;
}
