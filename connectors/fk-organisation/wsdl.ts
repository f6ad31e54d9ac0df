/**
 * soap clients over the real v6 WSDLs, patched in memory (never on disk) where the soap
 * package reads them differently from the contract (see DESIGN.md):
 * - each operation's input and output have two parts, the RequestHeader and the message;
 *   soap would send the first part (the header) as the Body, so the header parts and
 *   bindings are removed and the header is added per call instead;
 * - the XSDs' QName prefixes (`sd:`, `orgfaelles:`...) are declared on the WSDL root, where
 *   soap looks them up.
 * WSDLs are parsed once per service and process; a client per endpoint is cheap.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import soap from 'soap';

export type EntityService =
  | 'OrganisationEnhed'
  | 'Bruger'
  | 'Person'
  | 'Adresse'
  | 'OrganisationFunktion'
  | 'Organisation';

const WSDL_DIR = fileURLToPath(new URL('./contracts/v6/wsdl/', import.meta.url));

/** The prefixes the entity services' XSDs use in type=, ref= and base= QNames. */
const XSD_PREFIXES: Record<string, string> = {
  sd: 'urn:oio:sagdok:3.0.0',
  orgfaelles: 'http://stoettesystemerne.dk/organisation/6/',
  part: 'urn:oio:sts:part:6',
  sts: 'urn:oio:sts:6',
  oio: 'urn:oio:definitions:1.0.0',
  orgenhed: 'http://stoettesystemerne.dk/organisation/organisationenhed/6/',
  bruger: 'http://stoettesystemerne.dk/organisation/bruger/6/',
  person: 'http://stoettesystemerne.dk/organisation/person/6/',
  adresse: 'http://stoettesystemerne.dk/organisation/adresse/6/',
  orgfunk: 'http://stoettesystemerne.dk/organisation/organisationfunktion/6/',
  organisation: 'http://stoettesystemerne.dk/organisation/organisation/6/',
};

export function patchWsdl(xml: string): string {
  let out = xml
    .replace(/<wsdl:part\s+name="header"[^>]*\/>\s*/g, '')
    .replace(/<soap12:header\b[^>]*\/>\s*/g, '');
  const rootEnd = out.indexOf('>', out.indexOf('<wsdl:definitions'));
  const root = out.slice(0, rootEnd);
  const declarations = Object.entries(XSD_PREFIXES)
    .filter(([prefix]) => !root.includes(`xmlns:${prefix}=`))
    .map(([prefix, ns]) => ` xmlns:${prefix}="${ns}"`)
    .join('');
  out = out.replace('<wsdl:definitions', `<wsdl:definitions${declarations}`);
  return out;
}

const OPTIONS = { forceSoap12Headers: true } as const;
const parsed = new Map<EntityService, Promise<soap.WSDL>>();

function wsdlOf(service: EntityService): Promise<soap.WSDL> {
  let p = parsed.get(service);
  if (!p) {
    const file = `${WSDL_DIR}${service}.wsdl`;
    p = new Promise((resolve, reject) => {
      const wsdl = new soap.WSDL(patchWsdl(readFileSync(file, 'utf8')), file, OPTIONS);
      wsdl.onReady((err?: Error) => (err ? reject(err) : resolve(wsdl)));
    });
    parsed.set(service, p);
  }
  return p;
}

/** A soap client for one service at `endpoint` (SOAP 1.2, application/soap+xml). */
export async function serviceClient(service: EntityService, endpoint: string): Promise<soap.Client> {
  return new soap.Client(await wsdlOf(service), endpoint, OPTIONS);
}
