/**
 * Configuration of the FK Organisation target: where the service is, which municipality
 * (its Organisation UUID in FK), how orgsync signs in, and what removal means.
 */
import { z } from 'zod';
import { ENHEDSTYPE } from './identifiers.js';
import { OioidwsConfig } from './oioidws/config.js';

const Uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID')
  .transform((s) => s.toLowerCase());

const isLocal = (url: string) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(url);

export const FkConfig = z
  .strictObject({
    /**
     * The service's base URL: https://organisation.stoettesystemerne.dk (production),
     * https://organisation.eksterntest-stoettesystemerne.dk (external test), or a local
     * simulator (`orgsync fk-simulator`) at http://127.0.0.1:PORT.
     */
    endpoint: z
      .string()
      .url()
      .transform((s) => s.replace(/\/+$/, ''))
      .refine(
        (s) => s.startsWith('https://') || isLocal(s),
        'must be https:// (or http:// to a simulator on this machine)',
      ),
    /** The municipality's Organisation UUID in FK: the actor on everything orgsync writes. */
    organisation: Uuid,
    /**
     * OIOIDWS sign-in (the STS, the municipality's CVR, the system certificate): required by
     * KOMBIT's services; left out only against a simulator on this machine that does not ask.
     */
    auth: OioidwsConfig.optional(),
    /**
     * removal of a unit, user or function HR no longer has, when onRemove says delete:
     * inactive (Gyldighed Inaktiv and its relations ended; reversible: it comes back if HR
     * has it again) or passivate (read-only in FK for good).
     */
    removal: z.enum(['inactive', 'passivate']).default('inactive'),
    /** Enhedstype UUID per value of the unit attribute `unitType` (KOMBIT's department and team by default). */
    unitTypes: z.record(z.string(), Uuid).default({ ...ENHEDSTYPE }),
    /** The Enhedstype of a unit whose mapping gives no `unitType`. */
    defaultUnitType: z.string().default('department'),
    /** FunktionNavn of the manager function written for a position mapped with `manager: true`. */
    managerTitle: z.string().min(1).max(200).default('Leder'),
    /**
     * Read FK's state on every run instead of trusting orgsync's own (soeg and list, in pages):
     * the plan then shows drift, objects HR no longer has and those left by earlier tools.
     * Costs reads on every run; off, an unchanged object costs no call at all.
     */
    reconcile: z.boolean().default(false),
    /** Objects per soeg page and per list call in a reconcile. */
    pageSize: z.number().int().min(1).max(1000).default(500),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .refine((c) => c.unitTypes[c.defaultUnitType] !== undefined, {
    message: 'defaultUnitType must be one of unitTypes',
    path: ['defaultUnitType'],
  })
  .refine((c) => c.auth !== undefined || !c.endpoint.startsWith('https://'), {
    message: "KOMBIT's services need OIOIDWS: configure auth (stsUrl, cvr, certificate)",
    path: ['auth'],
  });
export type FkConfig = z.infer<typeof FkConfig>;
