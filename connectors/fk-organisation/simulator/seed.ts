/**
 * What a municipality's FK holds before any integration writes to it: its own Organisation
 * object, which KOMBIT creates when the municipality joins. The simulator starts with it so
 * that a connector's check (laes of the Organisation) answers as in production.
 */
import { NS, serviceByName } from './services.js';
import type { RegistrationStore, Virkning } from './store.js';

export function seedOrganisation(
  store: RegistrationStore,
  org: { uuid: string; name: string; key?: string },
  now = new Date(),
): void {
  if (store.has('Organisation', org.uuid)) return;
  const service = serviceByName('Organisation');
  const virkning: Virkning = {
    from: { time: now.toISOString() },
    to: { open: true },
    actor: { uuid: org.uuid.toLowerCase() },
    actorType: 'Organisation',
  };
  store.create('Organisation', org.uuid, {
    tidspunkt: now.toISOString(),
    livscyklus: 'Importeret',
    attributes: [
      {
        ns: service.ns,
        name: 'Egenskab',
        virkning,
        fields: [
          { ns: NS.sd, name: 'BrugervendtNoegleTekst', value: org.key ?? org.name },
          { ns: NS.sd, name: 'OrganisationNavn', value: org.name },
        ],
      },
    ],
    states: [
      {
        ns: NS.orgfaelles,
        name: 'Gyldighed',
        virkning,
        fields: [{ ns: NS.orgfaelles, name: 'GyldighedStatusKode', value: 'Aktiv' }],
      },
    ],
    relations: [],
  });
}
