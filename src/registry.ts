/**
 * The connectors a process knows: the ones this build ships, plus those an installation
 * loads from its own modules (config `connectorModules`), which is how integrators add a
 * connector without forking orgsync.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { adTarget } from '../connectors/ad/index.js';
import { csvExportTarget } from '../connectors/csv-export/index.js';
import { csvHrSource } from '../connectors/csv-hr/index.js';
import { fkOrganisationTarget } from '../connectors/fk-organisation/index.js';
import { jsonExportTarget } from '../connectors/json-export/index.js';
import { jsonHrSource } from '../connectors/json-hr/index.js';
import { ldapTarget } from '../connectors/ldap/index.js';
import { opusXmlSource } from '../connectors/opus-xml/index.js';
import { scimTarget } from '../connectors/scim/index.js';
import { sdLonSource } from '../connectors/sd-lon/index.js';
import { sqlTarget } from '../connectors/sql/index.js';
import { webhookTarget } from '../connectors/webhook/index.js';
import { OrgsyncError } from './errors.js';
import type { AnyConnector } from './sdk/connector.js';

export const BUILT_IN: readonly AnyConnector[] = [
  opusXmlSource,
  sdLonSource,
  csvHrSource,
  jsonHrSource,
  csvExportTarget,
  jsonExportTarget,
  adTarget,
  ldapTarget,
  fkOrganisationTarget,
  sqlTarget,
  webhookTarget,
  scimTarget,
];

const registry = new Map<string, AnyConnector>(BUILT_IN.map((c) => [c.name, c]));

export const listConnectors = (): AnyConnector[] => [...registry.values()];
export const findConnector = (name: string): AnyConnector | undefined => registry.get(name);

const isConnector = (v: unknown): v is AnyConnector =>
  typeof v === 'object' &&
  v !== null &&
  ((v as AnyConnector).kind === 'target' || (v as AnyConnector).kind === 'source') &&
  typeof (v as AnyConnector).open === 'function';

/** Imports each module (paths relative to `baseDir`) and registers every connector it exports. */
export async function loadConnectorModules(paths: readonly string[], baseDir: string): Promise<void> {
  for (const p of paths) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolve(baseDir, p)).href)) as Record<string, unknown>;
    } catch (e) {
      throw new OrgsyncError(
        'ORGSYNC_CONNECTOR_UNKNOWN',
        `connector module ${p} cannot be loaded: ${(e as Error).message}`,
      );
    }
    const found = Object.values(mod).filter(isConnector);
    if (found.length === 0)
      throw new OrgsyncError('ORGSYNC_CONNECTOR_UNKNOWN', `connector module ${p} exports no connector`);
    for (const c of found) registerConnector(c, `connector module ${p}`);
  }
}

/** Adds one connector (a test's, or a module's); a second connector under a taken name is refused. */
export function registerConnector(c: AnyConnector, from = 'a test'): void {
  const existing = registry.get(c.name);
  if (existing && existing !== c)
    throw new OrgsyncError('ORGSYNC_CONNECTOR_UNKNOWN', `${from} defines ${c.name}, a name already taken`);
  registry.set(c.name, c);
}
