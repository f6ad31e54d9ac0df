/**
 * FK Organisation message bodies as the soap package serialises them: plain objects whose
 * keys are created in the XSDs' sequence order (soap keeps JS key order and does not sort
 * by the schema, see DESIGN.md). Every builder's output is validated against the real
 * XSDs in the tests.
 *
 * Time: every value, state and relation carries its own Virkning (validity), from a moment
 * to open-ended, and names the municipality's Organisation as the actor.
 */
import { v5 as uuidv5 } from 'uuid';

/** Classifier UUIDs from KOMBIT's usage guidelines (contracts/ORIGIN.md). */
export const ENHEDSTYPE = {
  department: '16bf18c3-ed6f-44b0-b7a1-35f94984e519',
  team: '2d9710bf-e9cc-465f-8ec7-46d5f2a64412',
} as const;

/**
 * The UUID orgsync gives an object in FK: name-based (RFC 9562 version 5) in the
 * municipality's Organisation UUID as namespace, so the same unit always gets the same
 * UUID, an `importer` repeated after a crash finds it, and two installations for two
 * municipalities never collide.
 */
export const fkUuid = (organisation: string, type: string, key: string): string =>
  uuidv5(`orgsync:${type}:${key}`, organisation);

export interface Actor {
  /** The municipality's Organisation UUID: the actor on every Virkning. */
  organisation: string;
}

/** `from` until further notice, by the municipality. */
export function virkning(actor: Actor, from: string) {
  return {
    FraTidspunkt: { TidsstempelDatoTid: from },
    TilTidspunkt: { GraenseIndikator: true },
    AktoerRef: { UUIDIdentifikator: actor.organisation },
    AktoerTypeKode: 'Organisation',
  };
}

const reference = (actor: Actor, from: string, uuid: string) => ({
  Virkning: virkning(actor, from),
  ReferenceID: { UUIDIdentifikator: uuid },
});

export interface UnitState {
  uuid: string;
  /** The unit's HR key, shown to FK's users (BrugervendtNoegleTekst, at most 50 characters). */
  key: string;
  name: string;
  /** The parent unit's FK UUID, or null for the top unit. */
  parent: string | null;
  enhedstype: string;
  active: boolean;
}

/** `importer` of one OrganisationEnhed: the whole registration, with the UUID orgsync chose. */
export function unitImport(actor: Actor, unit: UnitState, now: string) {
  return {
    OrganisationEnhed: {
      UUIDIdentifikator: unit.uuid,
      Registrering: {
        Tidspunkt: now,
        LivscyklusKode: 'Importeret',
        AttributListe: {
          Egenskab: {
            Virkning: virkning(actor, now),
            BrugervendtNoegleTekst: unit.key.slice(0, 50),
            EnhedNavn: unit.name.slice(0, 200),
          },
        },
        TilstandListe: {
          Gyldighed: {
            Virkning: virkning(actor, now),
            GyldighedStatusKode: unit.active ? 'Aktiv' : 'Inaktiv',
          },
        },
        // The relations' order is the XSD's: Enhedstype, Overordnet, ..., Tilhoerer.
        RelationListe: {
          Enhedstype: reference(actor, now, unit.enhedstype),
          ...(unit.parent ? { Overordnet: reference(actor, now, unit.parent) } : {}),
          Tilhoerer: reference(actor, now, actor.organisation),
        },
      },
    },
  };
}
