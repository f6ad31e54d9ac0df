/**
 * Configuration of the Active Directory target. Everything that decides which objects
 * orgsync may touch is here, explicit: the OU tree it owns, where it looks for accounts,
 * the attribute that ties an account to its HR person, and what it may create.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { normaliseDn } from '../../src/ldap/dn.js';
import { secret } from '../../src/sdk/secret.js';

/** Whether `dn` is `base` or lies below it (AD compares DNs without regard to case). */
function under(dn: string, base: string): boolean {
  try {
    const [d, b] = [normaliseDn(dn).toLowerCase(), normaliseDn(base).toLowerCase()];
    return d === b || d.endsWith(`,${b}`);
  } catch {
    return false;
  }
}

/** A DN given in config: checked for shape here, parsed properly where it is used. */
const Dn = z
  .string()
  .trim()
  .regex(/^[A-Za-z][\w-]*=.+/, 'must be a distinguished name such as OU=Org,DC=kommune,DC=dk');

/** An LDAP attribute name: never built from HR data, so it is checked once, here. */
const AttributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

export const AdConfig = z
  .strictObject({
    /** ldaps://dc1.kommune.local:636, or ldap://... with tls.startTls. */
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+$/, 'must be ldaps://host[:port] or ldap://host[:port]'),
    tls: z
      .strictObject({
        /** The CA certificate(s) that issued the DC's certificate (PEM). */
        caFile: z.string().refine(existsSync, 'no such file'),
        /** Upgrade an ldap:// connection with StartTLS before binding. */
        startTls: z.boolean().default(false),
        /** The name the DC's certificate is issued for, when the URL uses another (an IP). */
        serverName: z.string().optional(),
      })
      .optional(),
    bind: z.strictObject({
      /** The service account: a DN or user@domain. */
      user: z.string().min(1),
      password: secret(),
    }),
    /** Base of the domain: DC=kommune,DC=local. */
    baseDn: Dn,
    units: z
      .strictObject({
        /** ou-tree: mirror the org as OUs under `base`. none: no OUs; persons are not moved. */
        mode: z.enum(['ou-tree', 'none']).default('none'),
        /** The OU orgsync owns: the top unit is created directly under it. */
        base: Dn.optional(),
        /** OU attribute holding `orgsync:<unit key>`: how orgsync knows its own OUs. */
        anchorAttribute: AttributeName.default('adminDescription'),
      })
      .default({ mode: 'none', anchorAttribute: 'adminDescription' })
      .refine((u) => u.mode === 'none' || u.base !== undefined, 'ou-tree needs units.base'),
    persons: z
      .strictObject({
        /** Where accounts are looked for (subtree). Default: the whole domain. */
        searchBase: Dn.optional(),
        /**
         * Account attribute that ties an account to its person. Unless the mapping sets it,
         * it holds orgsync's person key (22 characters: employeeID, limited to 16 by AD's
         * schema, cannot). To correlate by a number IT already keeps, for example
         * employeeID holding HR's user id, map it (`employeeID: '${person.userId}'`) and
         * name it here: accounts are then matched by that value when first met, and by
         * objectGUID from then on.
         */
        anchorAttribute: AttributeName.default('employeeNumber'),
        create: z
          .strictObject({
            enabled: z.boolean().default(false),
            /** Where new accounts go when OUs are not mirrored. */
            ou: Dn.optional(),
            /** sAMAccountName pattern: {given:3}{surname:3}, {given}.{surname}, {key}... */
            samPattern: z.string().min(1).default('{given:3}{surname:3}'),
            /** userPrincipalName = sAMAccountName@upnSuffix. */
            upnSuffix: z
              .string()
              .regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name')
              .optional(),
            /** New accounts are created disabled (someone hands out the password) unless set. */
            enableNewAccounts: z.boolean().default(false),
          })
          .default({ enabled: false, samPattern: '{given:3}{surname:3}', enableNewAccounts: false }),
        /** Leavers' accounts are moved here when they are disabled. */
        disabledOu: Dn.optional(),
      })
      .default({
        anchorAttribute: 'employeeNumber',
        create: { enabled: false, samPattern: '{given:3}{surname:3}', enableNewAccounts: false },
      }),
    /**
     * One security group per unit, `CN=<prefix><unit key>` under `base`, holding the
     * accounts whose person mapping sets `attribute` to that unit's key (map it as
     * `unitGroup: '${unit.key}'`). Read back from memberOf, so membership drift is seen.
     */
    groups: z
      .strictObject({
        enabled: z.boolean().default(false),
        base: Dn.optional(),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9 ._-]*$/, 'may hold letters, digits, space, dot, underscore, hyphen')
          .default('Enhed '),
        attribute: AttributeName.default('unitGroup'),
      })
      .default({ enabled: false, prefix: 'Enhed ', attribute: 'unitGroup' })
      .refine((g) => !g.enabled || g.base !== undefined, 'groups.enabled needs groups.base'),
    /**
     * Attributes whose desired value is the key of another person or unit and whose AD
     * value is that object's DN (manager, managedBy). AD keeps such links when the
     * referenced object moves, so they are compared by key, never by DN text.
     */
    references: z
      .record(AttributeName, z.enum(['person', 'unit']))
      .default({ manager: 'person', managedBy: 'person' }),
    /** Results per page of a search (AD's MaxPageSize is 1,000). */
    pageSize: z.number().int().min(1).max(1000).default(500),
    /** Per operation; a DC that does not answer in time is reported as unavailable. */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .refine((c) => !c.url.startsWith('ldap://') || c.tls?.startTls === true, {
    message: 'a plain ldap:// URL needs tls.startTls: true (AD refuses binds without encryption)',
    path: ['tls', 'startTls'],
  })
  .refine((c) => !(c.url.startsWith('ldaps://') && c.tls?.startTls), {
    message: 'StartTLS is for ldap:// URLs; an ldaps:// connection is already encrypted',
    path: ['tls', 'startTls'],
  })
  .refine((c) => !c.persons.create.enabled || c.units.mode === 'ou-tree' || c.persons.create.ou, {
    message: 'persons.create needs persons.create.ou when units are not mirrored as OUs',
    path: ['persons', 'create', 'ou'],
  })
  .refine(
    (c) =>
      [c.units.base, c.persons.create.ou, c.persons.disabledOu].every(
        (dn) => dn === undefined || under(dn, c.persons.searchBase ?? c.baseDn),
      ),
    {
      message:
        'units.base, persons.create.ou and persons.disabledOu must lie under persons.searchBase: accounts moved out of it are no longer seen',
      path: ['persons', 'searchBase'],
    },
  )
  .refine((c) => c.tls !== undefined, {
    message: 'tls.caFile is required: the DC certificate is always verified',
    path: ['tls', 'caFile'],
  });
export type AdConfig = z.infer<typeof AdConfig>;
