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

/** Funktionstype classifiers (contracts/ORIGIN.md). */
export const FUNKTIONSTYPE = {
  position: '02e61900-33e0-407f-a2a7-22f70221f003',
  manager: '46c73630-f7ad-4000-9624-c06131cde671',
} as const;

/** Address Type and Rolle classifiers for a user's addresses (contracts/ORIGIN.md). */
export const USER_ADDRESS = {
  type: '71a08d28-3af7-4bb4-9964-bc2b76b93d64',
  email: '5d13e891-162a-456b-abf2-fd9b864df96d',
  phone: '5ef6be2d-59f4-4652-a680-585929924ba9',
} as const;

/** The registration every object type shares: its lists in the XSD's order. */
function registration(now: string, lists: { attributes: object; states: object; relations: object }) {
  return {
    Tidspunkt: now,
    LivscyklusKode: 'Importeret',
    AttributListe: lists.attributes,
    TilstandListe: lists.states,
    RelationListe: lists.relations,
  };
}

const active = (actor: Actor, now: string, on: boolean) => ({
  Gyldighed: { Virkning: virkning(actor, now), GyldighedStatusKode: on ? 'Aktiv' : 'Inaktiv' },
});

/** A Person: the name and CPR number FK ties a user to. CPR is sent, never logged. */
export function personImport(
  actor: Actor,
  p: { uuid: string; key: string; name: string; cpr: string },
  now: string,
) {
  return {
    Person: {
      UUIDIdentifikator: p.uuid,
      Registrering: registration(now, {
        attributes: {
          Egenskab: {
            Virkning: virkning(actor, now),
            BrugervendtNoegleTekst: p.key.slice(0, 50),
            'CPR-NummerTekst': p.cpr,
            NavnTekst: p.name,
          },
        },
        states: {},
        relations: {},
      }),
    },
  };
}

/** One address value (an e-mail, a phone number): FK keeps each as an object of its own. */
export function addressImport(actor: Actor, a: { uuid: string; key: string; text: string }, now: string) {
  return {
    Adresse: {
      UUIDIdentifikator: a.uuid,
      Registrering: registration(now, {
        attributes: {
          Egenskab: {
            Virkning: virkning(actor, now),
            BrugervendtNoegleTekst: a.key.slice(0, 50),
            AdresseTekst: a.text,
          },
        },
        states: {},
        relations: {},
      }),
    },
  };
}

export interface UserState {
  uuid: string;
  /** The user id shown in FK (BrugervendtNoegleTekst): HR's user id, or the person key. */
  userKey: string;
  name: string;
  person: string;
  /** Address objects of this user, by role. */
  addresses: { role: 'email' | 'phone'; uuid: string }[];
  active: boolean;
}

/** A Bruger with its Person and address objects (which must exist first). */
export function userImport(actor: Actor, u: UserState, now: string) {
  return {
    Bruger: {
      UUIDIdentifikator: u.uuid,
      Registrering: registration(now, {
        attributes: {
          Egenskab: {
            Virkning: virkning(actor, now),
            BrugervendtNoegleTekst: u.userKey.slice(0, 50),
            BrugerNavn: u.name,
          },
        },
        states: active(actor, now, u.active),
        // XSD order: Adresser, ..., Tilhoerer, ..., TilknyttedePersoner.
        relations: {
          ...(u.addresses.length > 0
            ? {
                Adresser: u.addresses.map((a, i) => ({
                  Virkning: virkning(actor, now),
                  ReferenceID: { UUIDIdentifikator: a.uuid },
                  Rolle: { UUIDIdentifikator: USER_ADDRESS[a.role] },
                  Type: { UUIDIdentifikator: USER_ADDRESS.type },
                  Indeks: String(i + 1),
                })),
              }
            : {}),
          Tilhoerer: reference(actor, now, actor.organisation),
          TilknyttedePersoner: [reference(actor, now, u.person)],
        },
      }),
    },
  };
}

export interface FunctionState {
  uuid: string;
  key: string;
  /** The job title (FunktionNavn); for a manager function, "Leder". */
  name: string;
  type: keyof typeof FUNKTIONSTYPE;
  user: string;
  unit: string;
  active: boolean;
}

/** An OrganisationFunktion tying a user to a unit: one per position, and one per manager. */
export function functionImport(actor: Actor, f: FunctionState, now: string) {
  return {
    OrganisationFunktion: {
      UUIDIdentifikator: f.uuid,
      Registrering: registration(now, {
        attributes: {
          Egenskab: {
            Virkning: virkning(actor, now),
            BrugervendtNoegleTekst: f.key.slice(0, 50),
            FunktionNavn: f.name,
          },
        },
        states: active(actor, now, f.active),
        // XSD order: Funktionstype, TilknyttedeBrugere, TilknyttedeEnheder, TilknyttedeOrganisationer.
        relations: {
          Funktionstype: reference(actor, now, FUNKTIONSTYPE[f.type]),
          TilknyttedeBrugere: [reference(actor, now, f.user)],
          TilknyttedeEnheder: [reference(actor, now, f.unit)],
          TilknyttedeOrganisationer: [reference(actor, now, actor.organisation)],
        },
      }),
    },
  };
}
