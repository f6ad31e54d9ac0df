import { describe, expect, it } from 'vitest';
import { allElements, elementSpans, escapeLineSeparators, parseXml, standaloneElement } from './xml.js';

describe('elementSpans', () => {
  it('finds every element, as the parser does, past comments, CDATA, PIs and quoted >', () => {
    const source =
      `<?xml version="1.0"?><!-- <not> an element --><r a="x>y" b='">'>` +
      `<?pi <x>?><c><![CDATA[ <d> ]]></c><e/><f g = 'h' ></f ></r>`;
    const doc = parseXml(source);
    const spans = elementSpans(source);
    expect(spans).toHaveLength(allElements(doc).length);
    expect(spans.map((s) => source.slice(s.start, s.end))).toEqual([
      source.slice(source.indexOf('<r ')),
      '<c><![CDATA[ <d> ]]></c>',
      '<e/>',
      "<f g = 'h' ></f >",
    ]);
    expect(spans[2]!.selfClosing).toBe(true);
  });

  it('refuses a DOCTYPE', () => {
    expect(() => parseXml('<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')).toThrow();
  });
});

describe('standaloneElement', () => {
  const response =
    '<env:Envelope xmlns:env="urn:env" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:unused="urn:unused" xmlns:saml2="urn:wrong">' +
    '<env:Body><wst:R xmlns:wst="urn:wst" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ec="urn:ec">' +
    `<saml2:Assertion  ID='_a'\tVersion="2.0"><saml2:Issuer>i&#13;&amp;</saml2:Issuer>` +
    '<ds:Signature xmlns:ds="urn:ds"><ec:InclusiveNamespaces PrefixList="xs wst"/></ds:Signature>' +
    '<saml2:AttributeValue xsi:type="xs:string">1</saml2:AttributeValue></saml2:Assertion>' +
    '</wst:R></env:Body></env:Envelope>';

  it('keeps the element byte for byte and adds the inherited declarations it uses', () => {
    const doc = parseXml(response);
    const assertion = allElements(doc).find((e) => e.localName === 'Assertion')!;
    const out = standaloneElement(response, doc, assertion);
    const original = response.slice(response.indexOf('<saml2:Assertion'), response.indexOf('</wst:R>'));
    expect(out).toBe(
      '<saml2:Assertion xmlns:wst="urn:wst" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ec="urn:ec" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema"' +
        original.slice('<saml2:Assertion'.length),
    );
    // It stands alone, and means the same.
    const alone = parseXml(out).documentElement!;
    expect(alone.namespaceURI).toBe('urn:oasis:names:tc:SAML:2.0:assertion');
    expect(alone.lookupNamespaceURI('xs')).toBe('http://www.w3.org/2001/XMLSchema');
    expect(out).not.toContain('urn:unused');
  });
});

describe('escapeLineSeparators', () => {
  it('writes U+0085, U+2028 and U+2029 as character references', () => {
    expect(escapeLineSeparators('<a b="x\u2028">y\u0085z\u2029</a>')).toBe(
      '<a b="x&#x2028;">y&#x85;z&#x2029;</a>',
    );
    expect(escapeLineSeparators('<a>plain</a>')).toBe('<a>plain</a>');
    expect(() => escapeLineSeparators('<a><![CDATA[\u2028]]></a>')).toThrow(/CDATA/);
  });
});
