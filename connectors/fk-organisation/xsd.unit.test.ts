import { readFileSync } from 'node:fs';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { ContractValidator, FK_SERVICES } from './xsd.js';

const testdata = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

const NS =
  'xmlns:orgenhed="http://stoettesystemerne.dk/organisation/organisationenhed/6/" ' +
  'xmlns:orgfaelles="http://stoettesystemerne.dk/organisation/6/" xmlns:sd="urn:oio:sagdok:3.0.0"';
const UUID = '5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';
const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
const VIRKNING =
  '<sd:Virkning><sd:FraTidspunkt><sd:TidsstempelDatoTid>2025-03-01T00:00:00+01:00</sd:TidsstempelDatoTid>' +
  '</sd:FraTidspunkt><sd:TilTidspunkt><sd:GraenseIndikator>true</sd:GraenseIndikator></sd:TilTidspunkt>' +
  `<sd:AktoerRef><sd:UUIDIdentifikator>${ORG}</sd:UUIDIdentifikator></sd:AktoerRef>` +
  '<sd:AktoerTypeKode>Organisation</sd:AktoerTypeKode></sd:Virkning>';

const validator = new ContractValidator();
afterAll(() => validator.dispose());

const errorsOf = (result: ReturnType<ContractValidator['validate']>): string[] =>
  result.valid ? [] : result.errors;

describe('ContractValidator: OrganisationEnhed ImportInput', () => {
  it('accepts the hand-built valid document', () => {
    expect(validator.validate('OrganisationEnhed', testdata('organisationenhed-import-valid.xml'))).toEqual({
      valid: true,
    });
  });

  it('refuses the invalid one, naming the missing element and the bad enumeration value, with lines', () => {
    const errors = errorsOf(
      validator.validate('OrganisationEnhed', testdata('organisationenhed-import-invalid.xml')),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^line 26: Element 'sd:AktoerTypeKode': \[facet 'enumeration'\] The value 'Kommune'/,
    );
    expect(errors[1]).toBe(
      "line 33: Element 'orgfaelles:Gyldighed': Missing child element(s). Expected is ( orgfaelles:GyldighedStatusKode ).",
    );
  });

  it('refuses relations out of the XSD sequence order (Enhedstype comes before Overordnet and Tilhoerer)', () => {
    const valid = testdata('organisationenhed-import-valid.xml');
    const start = valid.indexOf('<sd:Enhedstype>');
    const end = valid.indexOf('</sd:Enhedstype>') + '</sd:Enhedstype>'.length;
    const reordered =
      valid.slice(0, start) +
      valid.slice(end).replace('</orgenhed:RelationListe>', () => {
        return `${valid.slice(start, end)}</orgenhed:RelationListe>`;
      });
    const errors = errorsOf(validator.validate('OrganisationEnhed', reordered));
    expect(errors.join('\n')).toMatch(/Element 'sd:Enhedstype': This element is not expected/);
  });

  it('refuses GraenseIndikator false (the XSD fixes it to true) and a malformed UUID', () => {
    const valid = testdata('organisationenhed-import-valid.xml');
    const bad = valid
      .replace('<sd:GraenseIndikator>true<', '<sd:GraenseIndikator>false<')
      .replace(`<sd:UUIDIdentifikator>${UUID}<`, '<sd:UUIDIdentifikator>OU-1042<');
    const errors = errorsOf(validator.validate('OrganisationEnhed', bad)).join('\n');
    expect(errors).toMatch(/Element 'sd:UUIDIdentifikator': \[facet 'pattern'\] The value 'OU-1042'/);
    expect(errors).toMatch(/Element 'sd:GraenseIndikator'.*fixed value constraint/);
  });
});

describe('ContractValidator: other OrganisationEnhed operations', () => {
  const minimal: Record<string, string> = {
    LaesInput: `<orgenhed:LaesInput ${NS}><sd:UUIDIdentifikator>${UUID}</sd:UUIDIdentifikator></orgenhed:LaesInput>`,
    ListInput:
      `<orgenhed:ListInput ${NS}><sd:UUIDIdentifikator>${UUID}</sd:UUIDIdentifikator>` +
      `<sd:UUIDIdentifikator>${ORG}</sd:UUIDIdentifikator></orgenhed:ListInput>`,
    PassiverInput:
      `<orgenhed:PassiverInput ${NS}><sd:UUIDIdentifikator>${UUID}</sd:UUIDIdentifikator>` +
      '<sd:NoteTekst>closed</sd:NoteTekst></orgenhed:PassiverInput>',
    SoegInput:
      `<orgenhed:SoegInput ${NS}><sd:MaksimalAntalKvantitet>500</sd:MaksimalAntalKvantitet>` +
      '<orgenhed:AttributListe/><orgenhed:TilstandListe/><orgenhed:RelationListe><sd:Tilhoerer><sd:ReferenceID>' +
      `<sd:UUIDIdentifikator>${ORG}</sd:UUIDIdentifikator></sd:ReferenceID></sd:Tilhoerer></orgenhed:RelationListe>` +
      '</orgenhed:SoegInput>',
    RetInput:
      `<orgenhed:RetInput ${NS}><sd:UUIDIdentifikator>${UUID}</sd:UUIDIdentifikator><orgenhed:TilstandListe>` +
      `<orgfaelles:Gyldighed>${VIRKNING}<orgfaelles:GyldighedStatusKode>Inaktiv</orgfaelles:GyldighedStatusKode>` +
      '</orgfaelles:Gyldighed></orgenhed:TilstandListe></orgenhed:RetInput>',
  };
  for (const [op, xml] of Object.entries(minimal)) {
    it(`accepts a minimal ${op}`, () => {
      expect(validator.validate('OrganisationEnhed', xml)).toEqual({ valid: true });
    });
  }

  it('refuses a SoegInput without its (empty but required) attribute, state and relation lists', () => {
    const xml = `<orgenhed:SoegInput ${NS}><sd:MaksimalAntalKvantitet>5</sd:MaksimalAntalKvantitet></orgenhed:SoegInput>`;
    expect(errorsOf(validator.validate('OrganisationEnhed', xml))).toEqual([
      "line 1: Element 'orgenhed:SoegInput': Missing child element(s). Expected is one of ( sd:SoegRegistrering, sd:SoegVirkning, orgenhed:AttributListe ).",
    ]);
  });

  it('accepts the SOAP RequestHeader', () => {
    const header =
      '<h:RequestHeader xmlns:h="http://kombit.dk/xml/schemas/RequestHeader/1/">' +
      '<h:TransactionUUID>e05746e3-76f6-475c-9ed6-801dfbfef247</h:TransactionUUID></h:RequestHeader>';
    expect(validator.validate('OrganisationEnhed', header)).toEqual({ valid: true });
  });
});

describe('ContractValidator: Bruger', () => {
  it('accepts the valid ImportInput', () => {
    expect(validator.validate('Bruger', testdata('bruger-import-valid.xml'))).toEqual({ valid: true });
  });

  it('refuses an address relation without its required Indeks', () => {
    expect(errorsOf(validator.validate('Bruger', testdata('bruger-import-invalid.xml')))).toEqual([
      "line 46: Element 'sd:Adresser': Missing child element(s). Expected is ( sd:Indeks ).",
    ]);
  });

  it("refuses another service's message", () => {
    const errors = errorsOf(validator.validate('Bruger', testdata('organisationenhed-import-valid.xml')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 2: Element 'orgenhed:ImportInput': not a message of the Bruger service/);
  });
});

describe('ContractValidator: input that is not a service message', () => {
  it('refuses the generic sd:LaesInput, valid as a schema element but not a message of the service', () => {
    const xml = `<sd:LaesInput ${NS}><sd:UUIDIdentifikator>${UUID}</sd:UUIDIdentifikator></sd:LaesInput>`;
    expect(errorsOf(validator.validate('OrganisationEnhed', xml))[0]).toMatch(
      /^line 1: Element 'sd:LaesInput': not a message of the OrganisationEnhed service \(its requests: orgenhed:ImportInput, /,
    );
  });

  it('refuses XML that is not well-formed, a DOCTYPE, and an empty message', () => {
    expect(errorsOf(validator.validate('OrganisationEnhed', '<a>\n<b></a>'))).toEqual([
      'line 2: Opening and ending tag mismatch: b line 2 and a (not well-formed)',
    ]);
    expect(
      errorsOf(validator.validate('OrganisationEnhed', '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')),
    ).toEqual(['line 1: a DOCTYPE is not allowed in a SOAP message']);
    expect(errorsOf(validator.validate('OrganisationEnhed', ''))).toEqual(['line 1: empty message']);
  });
});

describe('ContractValidator: schemas', () => {
  it('compiles the schemas of all seven services', () => {
    expect(() => validator.preload(FK_SERVICES)).not.toThrow();
  });

  it('validates the Body child of a parsed SOAP envelope in place', () => {
    const envelope =
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header/>\n<soap:Body>\n' +
      `<orgenhed:LaesInput ${NS}><sd:UUIDIdentifikator>not-a-uuid</sd:UUIDIdentifikator></orgenhed:LaesInput>` +
      '</soap:Body></soap:Envelope>';
    const doc = XmlDocument.fromString(envelope);
    try {
      const body = doc.get('/s:Envelope/s:Body/*', {
        s: 'http://www.w3.org/2003/05/soap-envelope',
      }) as XmlElement;
      expect(errorsOf(validator.validateElement('OrganisationEnhed', body))).toEqual([
        "line 3: Element 'sd:UUIDIdentifikator': [facet 'pattern'] The value 'not-a-uuid' is not accepted by the pattern '[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}'.",
      ]);
    } finally {
      doc.dispose();
    }
  });
});
