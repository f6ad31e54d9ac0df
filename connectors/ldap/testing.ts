/**
 * The conformance harness of the ldap target (src/testing/harness.ts), over a slapd the test
 * file starts itself (test/support/slapd.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childDn } from '../../src/ldap/dn.js';
import type { ConformanceHarness } from '../../src/testing/harness.js';
import { freePort } from '../../test/support/ports.js';
import type { Slapd } from '../../test/support/slapd.js';
import { ldapTarget } from './index.js';

/** The config of an ldap target over `slapd`, owning the subtree `baseDn`, bound as its root DN. */
export function slapdConfig(slapd: Slapd, baseDn: string, extra: Record<string, unknown> = {}) {
  const passwordFile = join(slapd.dir, 'bind-password');
  writeFileSync(passwordFile, slapd.rootPassword);
  return {
    url: slapd.url,
    bind: { dn: slapd.rootDn, password: { file: passwordFile } },
    baseDn,
    ...extra,
  };
}

/** Creates the OU `ou=<name>` under the suffix for a target to own; returns its DN. */
export async function ownedSubtree(slapd: Slapd, name: string): Promise<string> {
  const dn = childDn('ou', name, slapd.suffix);
  const client = await slapd.client();
  try {
    await client.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: name });
  } finally {
    await client.unbind();
  }
  return dn;
}

/**
 * Configs are handed over raw, as YAML holds them: the suite writes them into a configuration
 * file, and the loader parses them (a parsed secret would be written as "[redacted]").
 */
export function ldapHarness(slapd: () => Slapd): ConformanceHarness {
  return {
    connector: ldapTarget,
    config: async () => slapdConfig(slapd(), await ownedSubtree(slapd(), 'conformance')),
    objects: {
      unit: { attributes: { ou: '${unit.name}', description: '${unit.name} (${unit.costCentre})' } },
      person: {
        attributes: {
          cn: '${person.givenName} ${person.surname}',
          sn: '${person.surname}',
          givenName: '${person.givenName}',
          mail: '${person.email}',
          title: '${position.title}',
          departmentNumber: '${unit.key}',
          manager: '${manager.key}',
        },
      },
    },
    // Refused by the schema: an http:// URL is not an LDAP server.
    invalidConfig: {
      url: 'http://127.0.0.1:389',
      bind: { dn: 'cn=x', password: { env: 'UNSET' } },
      baseDn: 'dc=x',
    },
    unreachableConfig: async () =>
      slapdConfig(slapd(), `ou=conformance,${slapd().suffix}`, {
        url: `ldap://127.0.0.1:${await freePort()}`,
      }),
  };
}
