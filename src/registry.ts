/**
 * Every connector this build ships, by name. Adding a connector = one import and one line.
 */
import { csvExportTarget } from '../connectors/csv-export/index.js';
import { csvHrSource } from '../connectors/csv-hr/index.js';
import { jsonExportTarget } from '../connectors/json-export/index.js';
import { jsonHrSource } from '../connectors/json-hr/index.js';
import { opusXmlSource } from '../connectors/opus-xml/index.js';
import type { AnyConnector } from './sdk/connector.js';

export const CONNECTORS: readonly AnyConnector[] = [
  opusXmlSource,
  csvHrSource,
  jsonHrSource,
  csvExportTarget,
  jsonExportTarget,
];

export function findConnector(name: string): AnyConnector | undefined {
  return CONNECTORS.find((c) => c.name === name);
}
