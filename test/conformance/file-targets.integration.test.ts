/** The bundled file targets pass the connector conformance suite. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvExportTarget } from '../../connectors/csv-export/index.js';
import { jsonExportTarget } from '../../connectors/json-export/index.js';
import { describeConformance } from '../../src/testing/conformance.js';

const objects = {
  unit: { attributes: { name: '${unit.name}', costCentre: '${unit.costCentre}' } },
  person: {
    attributes: {
      givenName: '${person.givenName}',
      surname: '${person.surname}',
      email: '${person.email}',
      title: '${position.title}',
      manager: '${manager.key}',
    },
  },
  position: { attributes: { title: '${position.title}', person: '${person.key}' } },
};

const freshDir = () => mkdtempSync(join(tmpdir(), 'orgsync-files-'));

describeConformance('csv-export', () => ({
  connector: csvExportTarget,
  config: () => ({ directory: freshDir() }),
  objects,
  invalidConfig: { directory: '/tmp', delimiter: '|' },
}));

describeConformance('json-export', () => ({
  connector: jsonExportTarget,
  config: () => ({ directory: freshDir() }),
  objects,
  invalidConfig: { directory: '' },
}));
