/**
 * Configuration of the generic LDAP target. orgsync owns one subtree of the directory
 * (`baseDn`): everything it creates, moves, disables and deletes lies under it, and the
 * attributes that tell its entries apart are named here, explicitly.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { normaliseDn } from '../../src/ldap/dn.js';
import { secret } from '../../src/sdk/secret.js';

/** Whether `dn` lies strictly below `base` (LDAP compares these names without regard to case). */
export function below(dn: string, base: string): boolean {
  try {
    const [d, b] = [normaliseDn(dn).toLowerCase(), normaliseDn(base).toLowerCase()];
    return d.endsWith(`,${b}`);
  } catch {
    return false;
  }
}

/** A DN given in config: its shape is checked here, and it is parsed where it is used. */
const Dn = z
  .string()
  .trim()
  .regex(/^[A-Za-z][\w-]*=.+/, 'must be a distinguished name such as ou=orgsync,dc=kommune,dc=dk');

/** An LDAP attribute name: never built from HR data, so it is checked once, here. */
const AttributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

export const LdapConfig = z
  .strictObject({
    /** ldap://host[:port] (optionally upgraded with tls.startTls) or ldaps://host[:port]. */
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]'),
    tls: z
      .strictObject({
        /** CA certificate(s) that issued the server's certificate (PEM). Default: Node's CA list. */
        caFile: z.string().refine(existsSync, 'no such file').optional(),
        /** Upgrade an ldap:// connection with StartTLS before binding. */
        startTls: z.boolean().default(false),
        /** The name on the server's certificate, when the URL uses another (an IP address). */
        serverName: z.string().min(1).optional(),
      })
      .optional(),
    bind: z.strictObject({
      /** The DN orgsync binds as: cn=orgsync,ou=services,dc=kommune,dc=dk. */
      dn: Dn,
      password: secret(),
    }),
    /** The subtree orgsync owns. It must exist; everything orgsync makes goes below it. */
    baseDn: Dn,
    units: z
      .strictObject({
        /** ou-tree: units as organizationalUnit entries mirroring the organisation. none: no unit entries. */
        mode: z.enum(['ou-tree', 'none']).default('ou-tree'),
        /** organizationalUnit attribute that holds `orgsync:<unit key>`: how orgsync knows its own OUs. */
        anchorAttribute: AttributeName.default('businessCategory'),
      })
      .default({ mode: 'ou-tree', anchorAttribute: 'businessCategory' }),
    persons: z
      .strictObject({
        /**
         * The naming (RDN) attribute of a person's entry. Its mapped value names the entry; an
         * unmapped `uid` is the person key (stable, never personal data).
         */
        rdnAttribute: AttributeName.default('uid'),
        /** inetOrgPerson attribute that holds `orgsync:<person key>`. */
        anchorAttribute: AttributeName.default('employeeNumber'),
        /** Where persons go when units are not mirrored (units.mode none). Default ou=people,<baseDn>. */
        container: Dn.optional(),
        /** Auxiliary object classes added to each new person entry (for attributes they allow). */
        extraObjectClasses: z.array(AttributeName).default([]),
      })
      .default({ rdnAttribute: 'uid', anchorAttribute: 'employeeNumber', extraObjectClasses: [] }),
    disable: z
      .strictObject({
        /** Disabled units and persons are moved here (created on demand). Default ou=disabled,<baseDn>. */
        container: Dn.optional(),
        /**
         * Attributes set on a person's entry when it is disabled and removed when it is enabled
         * again, for applications that look at an attribute rather than at the entry's place.
         */
        attributes: z.record(AttributeName, z.string().min(1)).default({}),
      })
      .default({ attributes: {} }),
    /**
     * Attributes whose desired value is the key of another person or unit, written as the DN
     * of that object's entry (manager). Compared by key, never by DN text.
     */
    references: z.record(AttributeName, z.enum(['person', 'unit'])).default({ manager: 'person' }),
    /** Entries per page of a search (RFC 2696 paged results). */
    pageSize: z.number().int().min(1).max(10_000).default(500),
    /** Per operation; a server that does not answer in time is reported as unavailable. */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .refine((c) => !(c.url.startsWith('ldaps://') && c.tls?.startTls), {
    message: 'StartTLS is for ldap:// URLs; an ldaps:// connection is already encrypted',
    path: ['tls', 'startTls'],
  })
  .refine(
    (c) => [c.persons.container, c.disable.container].every((dn) => dn === undefined || below(dn, c.baseDn)),
    {
      message:
        'persons.container and disable.container must lie below baseDn: orgsync reads only that subtree',
      path: ['baseDn'],
    },
  )
  .refine((c) => c.units.anchorAttribute.toLowerCase() !== 'ou', {
    message: 'units.anchorAttribute cannot be ou: ou holds the unit name',
    path: ['units', 'anchorAttribute'],
  })
  .refine((c) => c.persons.anchorAttribute.toLowerCase() !== c.persons.rdnAttribute.toLowerCase(), {
    message: 'persons.anchorAttribute and persons.rdnAttribute must differ',
    path: ['persons', 'anchorAttribute'],
  });
export type LdapConfig = z.infer<typeof LdapConfig>;

/** Where persons go when units are not mirrored. */
export const peopleContainer = (c: LdapConfig): string => c.persons.container ?? `ou=people,${c.baseDn}`;
/** Where disabled entries go. */
export const disabledContainer = (c: LdapConfig): string => c.disable.container ?? `ou=disabled,${c.baseDn}`;
