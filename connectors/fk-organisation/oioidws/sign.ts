/**
 * XML-DSig signatures for WS-Security headers: rsa-sha256 over SignedInfo under exclusive
 * canonicalisation, sha256 digests, each signed element named by its wsu:Id, and
 * SecurityTokenReferences signed through the STR-Transform.
 *
 * Two ways to the same signature:
 *   - `signatureOver`: the caller has the digests already (secure.ts, for every service call);
 *     SignedInfo is written here directly in its canonical form and signed. No parsing at all.
 *   - `wsSecuritySignature`: xml-crypto finds the elements in the document and digests them
 *     (the STS request, once per token, and tests). It costs a parse and an XPath search over
 *     the whole document per reference, which is what made each signed call cost ~10 ms.
 * Either returns the Signature element, which the caller splices into its own XML text (so
 * content signed by others, the STS's assertion, is never re-serialised).
 */
import { type KeyObject, sign } from 'node:crypto';
import { XMLSerializer } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { NS, URI } from './ns.js';
import { StrTransform } from './str-transform.js';
import { childOf, childrenOf, parseXml } from './xml.js';

/** The XPath xml-crypto selects an element by its wsu:Id with. */
export const byWsuId = (id: string): string =>
  `//*[@*[local-name(.)='Id' and namespace-uri(.)='${NS.wsu}']='${id}']`;

/** The XPath of the wsse:Security header block. */
export const SECURITY_XPATH = `//*[local-name(.)='Security' and namespace-uri(.)='${NS.wsse}']`;

export interface SignatureRequest {
  key: KeyObject;
  /** wsu:Ids of the elements signed as they are (exclusive c14n). */
  ids: string[];
  /** wsu:Ids of SecurityTokenReferences whose token is signed (STR-Transform). */
  strIds?: string[];
  /** The content of ds:KeyInfo (it must declare the namespaces it uses). */
  keyInfo: string;
}

/**
 * The ds:Signature, as XML text, over the elements of `xml` named in `req`, computed as if
 * appended to the document's wsse:Security (where the caller puts it).
 */
export function wsSecuritySignature(xml: string, req: SignatureRequest): string {
  const sig = new SignedXml({
    privateKey: req.key,
    signatureAlgorithm: URI.rsaSha256,
    canonicalizationAlgorithm: URI.excC14n,
    getKeyInfoContent: () => req.keyInfo,
  });
  sig.CanonicalizationAlgorithms[URI.strTransform] = StrTransform;
  for (const id of req.ids) {
    sig.addReference({ xpath: byWsuId(id), transforms: [URI.excC14n], digestAlgorithm: URI.sha256 });
  }
  for (const id of req.strIds ?? []) {
    sig.addReference({ xpath: byWsuId(id), transforms: [URI.strTransform], digestAlgorithm: URI.sha256 });
  }
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: SECURITY_XPATH, action: 'append' } });
  const signature = sig.getSignatureXml();
  return req.strIds?.length ? addTransformationParameters(signature, req.key) : signature;
}

/**
 * The STR-Transform requires its parameter, the canonicalisation of the dereferenced token
 * (`<wsse:TransformationParameters><ds:CanonicalizationMethod .../>`), which xml-crypto
 * cannot write. It is added here, and SignedInfo, which it is part of, signed again: the same
 * exclusive canonicalisation and RSA-SHA256 (PKCS#1 v1.5) xml-crypto used. The digests do
 * not change.
 */
export function addTransformationParameters(signatureXml: string, key: KeyObject): string {
  const doc = parseXml(signatureXml);
  const signature = doc.documentElement!;
  const signedInfo = childOf(signature, NS.ds, 'SignedInfo');
  const value = childOf(signature, NS.ds, 'SignatureValue');
  if (!signedInfo || !value) throw new Error('xml-crypto wrote no SignedInfo or SignatureValue');
  for (const ref of childrenOf(signedInfo, NS.ds, 'Reference')) {
    const transforms = childOf(ref, NS.ds, 'Transforms');
    for (const t of transforms ? childrenOf(transforms, NS.ds, 'Transform') : []) {
      if (t.getAttribute('Algorithm') !== URI.strTransform) continue;
      const params = doc.createElementNS(NS.wsse, 'wsse:TransformationParameters');
      params.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:wsse', NS.wsse);
      const method = doc.createElementNS(NS.ds, 'ds:CanonicalizationMethod');
      method.setAttribute('Algorithm', URI.excC14n);
      params.appendChild(method);
      t.appendChild(params);
    }
  }
  const canonical = new ExclusiveCanonicalization().process(signedInfo as never, {}) as string;
  value.textContent = sign('sha256', Buffer.from(canonical, 'utf8'), key).toString('base64');
  return new XMLSerializer().serializeToString(signature);
}

/** One Reference of `signatureOver`: an element by its wsu:Id and the digest of its content. */
export interface ReferenceDigest {
  /** The wsu:Id (an xsd:ID, so it needs no escaping). */
  id: string;
  /** base64 SHA-256 of the element's exc-c14n form, or, with `str`, of the token's. */
  digest: string;
  /** The element is a SecurityTokenReference signed through the STR-Transform. */
  str?: boolean;
}

const algorithm = (tag: string, uri: string) => `<ds:${tag} Algorithm="${uri}"></ds:${tag}>`;

/**
 * The ds:Signature over `refs`, signed with `key`, with `keyInfo` (which must declare the
 * namespaces it uses) as its KeyInfo: the same elements, algorithms and order as
 * `wsSecuritySignature` writes (TransformationParameters included).
 *
 * SignedInfo is written in exc-c14n form (empty elements as start and end tag, attributes in
 * order, no whitespace), so its canonical form, what RSA-SHA256 signs, is that very text with
 * the `xmlns:ds` declaration it inherits from ds:Signature written on it.
 */
export function signatureOver(refs: readonly ReferenceDigest[], key: KeyObject, keyInfo: string): string {
  const transform = (str?: boolean) =>
    str
      ? `<ds:Transform Algorithm="${URI.strTransform}"><wsse:TransformationParameters xmlns:wsse="${NS.wsse}">` +
        `${algorithm('CanonicalizationMethod', URI.excC14n)}</wsse:TransformationParameters></ds:Transform>`
      : algorithm('Transform', URI.excC14n);
  const content =
    algorithm('CanonicalizationMethod', URI.excC14n) +
    algorithm('SignatureMethod', URI.rsaSha256) +
    refs
      .map(
        (r) =>
          `<ds:Reference URI="#${r.id}"><ds:Transforms>${transform(r.str)}</ds:Transforms>` +
          `${algorithm('DigestMethod', URI.sha256)}<ds:DigestValue>${r.digest}</ds:DigestValue></ds:Reference>`,
      )
      .join('');
  const canonical = `<ds:SignedInfo xmlns:ds="${NS.ds}">${content}</ds:SignedInfo>`;
  const value = sign('sha256', Buffer.from(canonical, 'utf8'), key).toString('base64');
  return (
    `<ds:Signature xmlns:ds="${NS.ds}"><ds:SignedInfo>${content}</ds:SignedInfo>` +
    `<ds:SignatureValue>${value}</ds:SignatureValue><ds:KeyInfo>${keyInfo}</ds:KeyInfo></ds:Signature>`
  );
}
