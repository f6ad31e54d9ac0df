// Strict XSD validation of FK Organisation v6 messages against the contracts in ./contracts/v6.
//
// libxml2 compiled to WebAssembly (libxml2-wasm): no native build, and a schema is compiled once
// and reused (about 0.1-0.2 ms per validation of a 3-5 KB ImportInput). A service's schema set is
// compiled on first use and cached: an in-memory wrapper schema imports the service's
// <Service>Operationer.xsd (which imports the rest) and the SOAP RequestHeader schema. Nothing is
// written into contracts/; the XSDs are read through an input provider that serves only files
// under the contracts folder.
//
// The root element must also be one the service's WSDL names as a request, response or header
// part: `sd:LaesInput` (a global element of SagDokObjekt.xsd) or `orgenhed:OrganisationEnhed`
// are valid against the schema set but are not messages of the service.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ErrorDetail,
  XmlDocument,
  type XmlElement,
  XmlLibError,
  XmlValidateError,
  XsdValidator,
  xmlRegisterInputProvider,
} from 'libxml2-wasm';

export const FK_SERVICES = [
  'OrganisationEnhed',
  'Bruger',
  'Person',
  'Adresse',
  'OrganisationFunktion',
  'Organisation',
  'OrganisationSystem',
] as const;
export type FkService = (typeof FK_SERVICES)[number];

export type ValidationResult = { valid: true } | { valid: false; errors: string[] };

export interface ContractValidatorOptions {
  /** The folder holding wsdl/ and xsd/ (default: contracts/v6 beside this module's source). */
  contractsDir?: string | URL;
  /** At most this many error lines are returned (default 20); a last line says how many more. */
  maxErrors?: number;
}

/** The prefixes the contracts use, for short error messages (a document's own prefixes win). */
const KNOWN_PREFIXES: Record<string, string> = {
  'urn:oio:sagdok:3.0.0': 'sd',
  'http://stoettesystemerne.dk/organisation/6/': 'orgfaelles',
  'urn:oio:sts:part:6': 'part',
  'urn:oio:sts:6': 'sts6',
  'http://kombit.dk/xml/schemas/RequestHeader/1/': 'header',
  'http://stoettesystemerne.dk/organisation/organisationenhed/6/': 'orgenhed',
  'http://stoettesystemerne.dk/organisation/bruger/6/': 'bruger',
  'http://stoettesystemerne.dk/organisation/person/6/': 'person',
  'http://stoettesystemerne.dk/organisation/adresse/6/': 'adresse',
  'http://stoettesystemerne.dk/organisation/organisationfunktion/6/': 'orgfunk',
  'http://stoettesystemerne.dk/organisation/organisation/6/': 'org',
  'http://stoettesystemerne.dk/organisation/organisationsystem/6/': 'sts',
};

const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const REQUEST_HEADER_NS = 'http://kombit.dk/xml/schemas/RequestHeader/1/';

interface CompiledService {
  readonly schemaDoc: XmlDocument;
  readonly validator: XsdValidator;
  /** Clark names (`{ns}local`) of the WSDL's message parts (requests, responses, header). */
  readonly roots: ReadonlySet<string>;
  /** Clark names of the request parts, for the message when the root is wrong. */
  readonly requests: readonly string[];
}

export class ContractValidator {
  readonly contractsDir: string;
  private readonly maxErrors: number;
  private readonly compiled = new Map<FkService, CompiledService>();
  private disposed = false;

  constructor(options: ContractValidatorOptions = {}) {
    this.contractsDir = resolveContractsDir(options.contractsDir);
    this.maxErrors = options.maxErrors ?? 20;
    allowSchemaRoot(path.join(this.contractsDir, 'xsd'));
  }

  /** Compiles the schemas of these services now (default: all) instead of on first use. */
  preload(services: readonly FkService[] = FK_SERVICES): void {
    for (const service of services) this.service(service);
  }

  /** Validates one message element (`<orgenhed:ImportInput ...>`, `<header:RequestHeader>`...). */
  validate(service: FkService, xml: string): ValidationResult {
    const compiled = this.service(service);
    if (xml.trim() === '') return { valid: false, errors: ['line 1: empty message'] };
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromString(xml);
    } catch (e) {
      if (e instanceof XmlLibError && e.details.length > 0) {
        return { valid: false, errors: this.format(e.details, {}).map((l) => `${l} (not well-formed)`) };
      }
      return { valid: false, errors: [`line 1: not well-formed XML: ${String(e).trim()}`] };
    }
    try {
      if (doc.dtd) {
        return { valid: false, errors: ['line 1: a DOCTYPE is not allowed in a SOAP message'] };
      }
      return this.check(service, compiled, doc.root);
    } finally {
      doc.dispose();
    }
  }

  /**
   * Validates an element of a document the caller parsed with libxml2-wasm, such as the child of
   * a SOAP Body, without serialising it again. The caller keeps ownership of the document.
   */
  validateElement(service: FkService, element: XmlElement): ValidationResult {
    return this.check(service, this.service(service), element);
  }

  /** Frees the compiled schemas; the validator cannot be used afterwards. */
  dispose(): void {
    for (const c of this.compiled.values()) {
      c.validator.dispose();
      c.schemaDoc.dispose();
    }
    this.compiled.clear();
    this.disposed = true;
  }

  private check(service: FkService, compiled: CompiledService, element: XmlElement): ValidationResult {
    const names = prefixesOf(element);
    const clark = `{${element.namespaceUri}}${element.name}`;
    if (!compiled.roots.has(clark)) {
      const requests = compiled.requests.map((r) => shorten(r, names)).join(', ');
      return {
        valid: false,
        errors: [
          `line ${element.line}: Element '${shorten(clark, names)}': not a message of the ${service} service ` +
            `(its requests: ${requests})`,
        ],
      };
    }
    try {
      compiled.validator.validate(element);
      return { valid: true };
    } catch (e) {
      if (e instanceof XmlValidateError) return { valid: false, errors: this.format(e.details, names) };
      throw e;
    }
  }

  private format(details: readonly ErrorDetail[], names: Record<string, string>): string[] {
    const lines = details.map((d) => `line ${d.line}: ${shorten(d.message.trim(), names)}`);
    if (lines.length === 0) return ['line 1: invalid (no detail from the validator)'];
    if (lines.length <= this.maxErrors) return lines;
    return [...lines.slice(0, this.maxErrors), `... and ${lines.length - this.maxErrors} more`];
  }

  private service(service: FkService): CompiledService {
    if (this.disposed) throw new Error('ContractValidator: used after dispose()');
    const cached = this.compiled.get(service);
    if (cached) return cached;
    if (!FK_SERVICES.includes(service)) throw new Error(`ContractValidator: unknown service ${service}`);
    const compiled = this.compile(service);
    this.compiled.set(service, compiled);
    return compiled;
  }

  private compile(service: FkService): CompiledService {
    const { roots, requests, namespace } = readWsdlParts(
      path.join(this.contractsDir, 'wsdl', `${service}.wsdl`),
    );
    const xsdDir = path.join(this.contractsDir, 'xsd');
    const operations = `6.0.STS-0/${service}Operationer.xsd`;
    if (!existsSync(path.join(xsdDir, operations))) {
      throw new Error(`ContractValidator: ${operations} not found under ${xsdDir}`);
    }
    // The wrapper's own URL only gives the base for its relative imports: it is never read.
    const wrapper =
      `<xs:schema xmlns:xs="${XSD_NS}">` +
      `<xs:import namespace="${namespace}" schemaLocation="${operations}"/>` +
      `<xs:import namespace="${REQUEST_HEADER_NS}" schemaLocation="common/RequestHeader.xsd"/>` +
      `</xs:schema>`;
    const schemaDoc = XmlDocument.fromString(wrapper, { url: path.join(xsdDir, `${service}.wrapper.xsd`) });
    try {
      const validator = XsdValidator.fromDoc(schemaDoc);
      return { schemaDoc, validator, roots, requests };
    } catch (e) {
      schemaDoc.dispose();
      const details = e instanceof XmlValidateError ? e.details.map((d) => d.message.trim()).join('; ') : '';
      throw new Error(`ContractValidator: the ${service} schemas do not compile: ${details || String(e)}`);
    }
  }
}

/** The message parts of a WSDL (request, response, header) as Clark names, and the service namespace. */
function readWsdlParts(wsdlPath: string): { roots: Set<string>; requests: string[]; namespace: string } {
  const wsdl = XmlDocument.fromBuffer(readFileSync(wsdlPath));
  try {
    const roots = new Set<string>();
    const requests = new Set<string>();
    let namespace = '';
    for (const node of wsdl.find('/wsdl:definitions/wsdl:message/wsdl:part[@element]', { wsdl: WSDL_NS })) {
      const part = node as XmlElement;
      const [prefix, local] = splitQName(part.attr('element')?.value ?? '');
      const ns = part.namespaceForPrefix(prefix);
      if (!ns || !local) throw new Error(`ContractValidator: ${wsdlPath}: unresolved part element ${local}`);
      roots.add(`{${ns}}${local}`);
      if (part.attr('name')?.value === 'request') {
        requests.add(`{${ns}}${local}`);
        namespace = ns;
      }
    }
    if (!namespace) throw new Error(`ContractValidator: ${wsdlPath}: no request parts`);
    return { roots, requests: [...requests].sort(), namespace };
  } finally {
    wsdl.dispose();
  }
}

function splitQName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/** namespace -> prefix, from the element's in-scope declarations. */
function prefixesOf(element: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prefix, uri] of Object.entries(element.namespaces)) out[uri] ??= prefix;
  return out;
}

/** `{urn:oio:sagdok:3.0.0}Virkning` -> `sd:Virkning`, with the document's own prefixes first. */
function shorten(message: string, names: Record<string, string>): string {
  return message.replace(/\{([^{}\s]+)\}([A-Za-z_][\w.-]*)/g, (whole, ns: string, local: string) => {
    const prefix = names[ns] ?? KNOWN_PREFIXES[ns];
    if (prefix === undefined) return whole;
    return prefix === '' ? local : `${prefix}:${local}`;
  });
}

function resolveContractsDir(dir: string | URL | undefined): string {
  if (dir !== undefined) return path.resolve(dir instanceof URL ? fileURLToPath(dir) : dir);
  // From source (tsx, vitest) the contracts are beside this module; compiled, this module is
  // dist/connectors/fk-organisation/xsd.js and the contracts stay in the source tree.
  const candidates = [
    new URL('./contracts/v6/', import.meta.url),
    new URL('../../../connectors/fk-organisation/contracts/v6/', import.meta.url),
  ];
  for (const url of candidates) {
    const candidate = fileURLToPath(url);
    if (existsSync(path.join(candidate, 'wsdl'))) return path.resolve(candidate);
  }
  throw new Error(`ContractValidator: contracts/v6 not found (looked in ${candidates.join(', ')})`);
}

// --- the input provider: libxml2-wasm has no file access of its own -------------------------------
// One provider for the process (libxml2-wasm's registry is global), serving whole files from memory,
// and only files under an allowed contracts folder: an import can read nothing else.

const allowedRoots = new Set<string>();
const fileCache = new Map<string, Uint8Array>();
const openFiles = new Map<number, { data: Uint8Array; pos: number }>();
let nextHandle = 1;
let providerRegistered = false;

function allowSchemaRoot(root: string): void {
  allowedRoots.add(path.resolve(root) + path.sep);
  if (providerRegistered) return;
  providerRegistered = xmlRegisterInputProvider({
    match: (filename) => allowedPath(filename) !== null,
    open: (filename) => {
      const file = allowedPath(filename);
      if (file === null) return undefined;
      let data = fileCache.get(file);
      if (!data) {
        try {
          data = readFileSync(file);
        } catch {
          return undefined;
        }
        fileCache.set(file, data);
      }
      const handle = nextHandle++;
      openFiles.set(handle, { data, pos: 0 });
      return handle;
    },
    read: (handle, buf) => {
      const f = openFiles.get(handle);
      if (!f) return -1;
      const n = Math.min(buf.byteLength, f.data.byteLength - f.pos);
      buf.set(f.data.subarray(f.pos, f.pos + n));
      f.pos += n;
      return n;
    },
    close: (handle) => openFiles.delete(handle),
  });
  if (!providerRegistered) throw new Error('ContractValidator: could not register the XSD input provider');
}

function allowedPath(filename: string): string | null {
  let file: string;
  try {
    file = filename.startsWith('file:') ? fileURLToPath(filename) : filename;
  } catch {
    return null;
  }
  if (!path.isAbsolute(file)) return null;
  file = path.resolve(file);
  for (const root of allowedRoots) if (file.startsWith(root) && existsSync(file)) return file;
  return null;
}
