/** CSV text in and out, with the dialect the target is configured for. */
import { stringify } from 'csv-stringify/sync';
import { ConnectorError } from '../../src/sdk/errors.js';
import { CsvSyntaxError, parseCsvRecords } from '../../src/util/csv.js';
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
    records = parseCsvRecords(text, cfg.delimiter);
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    throw new ConnectorError('conflict', `${file} is not valid CSV: ${e.message}`, { cause: e });
  }
  const [header = [], ...rows] = records;
  return { header: header.map(unescapeCell), rows };
}
