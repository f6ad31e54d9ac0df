/**
 * Read-modify-write: a changed value ends its Virkning and a new one starts; what orgsync does
 * not own (other fields, other systems' relations, other address roles) goes back as read;
 * nothing to change means nothing to send. Bodies keep the XSD's order.
 */
import { describe, expect, it } from 'vitest';
import {
  type Entry,
  emptyRegistration,
  importBody,
  merge,
  type Registration,
  retBody,
} from './registration.js';

const ORG = { organisation: '5d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b' };
const T0 = '2026-01-01T00:00:00.000Z';
const NOW = '2026-11-23T10:00:00.000Z';
const open = (e: Entry) => e.virkning.to === null;

function unit(): Registration {
  const v = { from: T0, to: null, actor: ORG.organisation, actorType: 'Organisation' };
  return {
    attributes: [
      {
        name: 'Egenskab',
        virkning: v,
        fields: [
          ['BrugervendtNoegleTekst', '1042'],
          ['EnhedNavn', 'Skole'],
        ],
      },
    ],
    states: [{ name: 'Gyldighed', virkning: v, fields: [['GyldighedStatusKode', 'Aktiv']] }],
    relations: [
      { name: 'Adresser', virkning: v, fields: [], ref: 'a1', rolle: 'email', indeks: '1' },
      { name: 'Adresser', virkning: v, fields: [], ref: 'a2', rolle: 'phone', indeks: '2' },
      { name: 'Opgaver', virkning: v, fields: [], ref: 'kle-1' }, // another system's
      { name: 'Overordnet', virkning: v, fields: [], ref: 'parent-1' },
    ],
  };
}

describe('merge', () => {
  it('returns null when FK already holds what orgsync wants', () => {
    const want = {
      fields: { EnhedNavn: 'Skole' },
      status: 'Aktiv' as const,
      relations: [{ name: 'Overordnet', refs: [{ uuid: 'parent-1' }] }],
    };
    expect(merge('OrganisationEnhed', unit(), want, ORG, NOW)).toBeNull();
  });

  it('ends the old value and starts the new one now, keeping the fields it does not own', () => {
    const next = merge('OrganisationEnhed', unit(), { fields: { EnhedNavn: 'Skolen' } }, ORG, NOW)!;
    const egenskaber = next.attributes.filter((e) => e.name === 'Egenskab');
    expect(egenskaber).toHaveLength(2);
    expect(egenskaber[0]!.virkning).toMatchObject({ from: T0, to: NOW });
    expect(egenskaber[1]).toMatchObject({
      virkning: { from: NOW, to: null },
      fields: [
        ['BrugervendtNoegleTekst', '1042'],
        ['EnhedNavn', 'Skolen'],
      ],
    });
  });

  it('moves a unit with one Overordnet (the contract allows one), and leaves other relations and address roles alone', () => {
    const next = merge(
      'OrganisationEnhed',
      unit(),
      {
        relations: [
          { name: 'Overordnet', refs: [{ uuid: 'parent-2' }] },
          { name: 'Adresser', rolle: 'email', refs: [] }, // the e-mail went away
        ],
      },
      ORG,
      NOW,
    )!;
    const current = next.relations.filter(open).map((e) => `${e.name}:${e.ref}`);
    expect(current.sort()).toEqual(['Adresser:a2', 'Opgaver:kle-1', 'Overordnet:parent-2']);
    const ended = next.relations.filter((e) => !open(e)).map((e) => `${e.name}:${e.ref}`);
    // The old parent is not sent again: a second Overordnet is a schema error (40).
    expect(ended.sort()).toEqual(['Adresser:a1']);
    expect(next.relations.filter((e) => e.name === 'Overordnet')).toHaveLength(1);
  });

  it('gives a new address the next Indeks', () => {
    const next = merge(
      'OrganisationEnhed',
      unit(),
      { relations: [{ name: 'Adresser', rolle: 'ean', refs: [{ uuid: 'a3', rolle: 'ean', type: 't' }] }] },
      ORG,
      NOW,
    )!;
    expect(next.relations.find((e) => e.ref === 'a3')).toMatchObject({
      indeks: '3',
      rolle: 'ean',
      type: 't',
    });
  });

  it('removes by Gyldighed Inaktiv and ends every open relation, history kept', () => {
    const next = merge('OrganisationEnhed', unit(), { status: 'Inaktiv', endAllRelations: true }, ORG, NOW)!;
    expect(next.relations.filter(open)).toEqual([]);
    expect(next.relations).toHaveLength(4);
    expect(next.states.filter(open).map((e) => e.fields)).toEqual([[['GyldighedStatusKode', 'Inaktiv']]]);
  });
});

describe('bodies', () => {
  it('put relations in the XSD order whatever order they were merged in', () => {
    const reg = merge(
      'OrganisationEnhed',
      emptyRegistration(),
      {
        relations: [
          { name: 'Tilhoerer', refs: [{ uuid: ORG.organisation }] },
          { name: 'Overordnet', refs: [{ uuid: 'p' }] },
          { name: 'Enhedstype', refs: [{ uuid: 't' }] },
        ],
      },
      ORG,
      NOW,
    )!;
    const body = importBody('OrganisationEnhed', 'u', reg, NOW);
    expect(Object.keys(body['OrganisationEnhed']!.Registrering.RelationListe)).toEqual([
      'Enhedstype',
      'Overordnet',
      'Tilhoerer',
    ]);
    expect(Object.keys(retBody('OrganisationEnhed', 'u', unit()).RelationListe)).toEqual([
      'Adresser',
      'Opgaver',
      'Overordnet',
    ]);
  });
});
