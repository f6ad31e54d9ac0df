/**
 * The WS-Security STR Dereference Transform (WSS 1.1 SOAP Message Security, 8.3) for
 * xml-crypto: a Reference to a wsse:SecurityTokenReference signs the token the STR points
 * at, here the SAML 2.0 assertion named by a SAMLID KeyIdentifier (or a `#ID` Reference).
 * The transform's output is the token under exclusive canonicalisation, which is the
 * TransformationParameters' CanonicalizationMethod this code writes and requires.
 *
 * xml-crypto runs it both ways: to compute the digest when signing and to check it when
 * verifying. It writes the Transform element without its TransformationParameters child,
 * which `addTransformationParameters` (sign.ts) adds.
 */
import type { Element, Node } from '@xmldom/xmldom';
import { type CanonicalizationOrTransformationAlgorithm, ExclusiveCanonicalization } from 'xml-crypto';
import { NS, URI } from './ns.js';

type DomNode = Node & { ownerDocument: Node | null };

function elementsIn(root: Node, visit: (el: Element) => void): void {
  for (let n = root.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      visit(n as Element);
      elementsIn(n, visit);
    }
  }
}

/** The SAML assertion ID an STR names, or undefined when it names something else. */
export function strAssertionId(str: Element): string | undefined {
  for (let n = str.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    if (el.namespaceURI !== NS.wsse) continue;
    if (el.localName === 'KeyIdentifier' && el.getAttribute('ValueType') === URI.samlId) {
      return (el.textContent ?? '').trim() || undefined;
    }
    if (el.localName === 'Reference') {
      const uri = el.getAttribute('URI') ?? '';
      if (uri.startsWith('#') && uri.length > 1) return uri.slice(1);
    }
  }
  return undefined;
}

export class StrTransform implements CanonicalizationOrTransformationAlgorithm {
  process(node: unknown): string {
    const str = node as Element & DomNode;
    if (str.namespaceURI !== NS.wsse || str.localName !== 'SecurityTokenReference') {
      throw new Error('STR-Transform: the reference does not point at a wsse:SecurityTokenReference');
    }
    const id = strAssertionId(str);
    if (!id) throw new Error('STR-Transform: the SecurityTokenReference names no SAML assertion');
    const doc = str.ownerDocument;
    if (!doc) throw new Error('STR-Transform: no document');
    const found: Element[] = [];
    elementsIn(doc, (el) => {
      if (el.namespaceURI === NS.saml2 && el.localName === 'Assertion' && el.getAttribute('ID') === id) {
        found.push(el);
      }
    });
    if (found.length !== 1) {
      throw new Error(`STR-Transform: ${found.length} SAML assertions have the ID the reference names`);
    }
    return new ExclusiveCanonicalization().process(found[0] as never, {}) as string;
  }

  getAlgorithmName(): string {
    return URI.strTransform;
  }
}
