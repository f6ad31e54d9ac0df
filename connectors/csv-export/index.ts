/**
 * CSV export target: one file per object type for systems that import spreadsheets or
 * CSV drops. Full mode keeps complete files that it reads back; delta mode writes a new
 * file per run with only the changes. See README.md for the layout.
 */
import { type ConnectorContext, defineTarget, type TargetSession } from '../../src/sdk/connector.js';
import { CsvExportConfig } from './config.js';
import { openDeltaSession } from './delta.js';
import { openFullSession } from './full.js';

export { CsvExportConfig } from './config.js';

export const csvExportTarget = defineTarget({
  name: 'csv-export',
  description: 'CSV files per object type (units, persons, positions): full picture or per-run deltas',
  configSchema: CsvExportConfig,
  // Declared for full mode. A delta-mode session has no read() but recover(): it cannot
  // tell what a consumer did with its files, only which changes it wrote.
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person', 'position'],
  // Files are rewritten once per run, not once per change.
  batch: 'all',
  open: (config: CsvExportConfig, ctx: ConnectorContext): TargetSession =>
    config.mode === 'delta' ? openDeltaSession(config, ctx) : openFullSession(config, ctx),
});
