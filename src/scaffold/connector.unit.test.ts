import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaffoldConnector } from './connector.js';

/** A folder that looks like the root of a checkout to the scaffold. */
function checkout(): string {
  const root = mkdtempSync(join(tmpdir(), 'orgsync-scaffold-'));
  mkdirSync(join(root, 'src', 'sdk'), { recursive: true });
  writeFileSync(join(root, 'src', 'sdk', 'index.ts'), '');
  return root;
}

describe('orgsync connector new', () => {
  it('writes a connector folder whose imports reach the checkout', () => {
    const root = checkout();
    const files = scaffoldConnector('hr-portal', { root });
    expect(files).toEqual([
      'connectors/hr-portal/index.ts',
      'connectors/hr-portal/session.ts',
      'connectors/hr-portal/hr-portal.integration.test.ts',
      'connectors/hr-portal/README.md',
    ]);
    const index = readFileSync(join(root, files[0]!), 'utf8');
    expect(index).toContain("from '../../src/sdk/index.js'");
    expect(index).toContain('export const hrPortalTarget = defineTarget({');
    expect(index).toContain("name: 'hr-portal'");
    expect(readFileSync(join(root, files[2]!), 'utf8')).toContain("env: 'HR_PORTAL_TOKEN'");
    // Deeper folders get deeper imports.
    const [deep] = scaffoldConnector('other', { root, dir: 'vendor/connectors' });
    expect(readFileSync(join(root, deep!), 'utf8')).toContain("from '../../../src/sdk/index.js'");
  });

  it('refuses bad names, taken names, existing folders and a folder that is no checkout', () => {
    const root = checkout();
    const refused = (name: string, r = root) => {
      try {
        scaffoldConnector(name, { root: r });
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
      return 'written';
    };
    expect(refused('Hr_Portal')).toMatch(/ORGSYNC_SCAFFOLD_REFUSED: "Hr_Portal" is not a connector name/);
    expect(refused('a--b')).toMatch(/not a connector name/);
    expect(refused('ad')).toMatch(/a connector named ad already exists/);
    expect(refused('mine')).toBe('written');
    expect(refused('mine')).toMatch(/connectors\/mine already exists/);
    expect(refused('mine', tmpdir())).toMatch(/is not the root of an orgsync checkout/);
  });
});
