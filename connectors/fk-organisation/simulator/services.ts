/**
 * The six entity services the simulator serves: URL path segment, message namespace, the
 * prefix its replies use, and the object element of ImportInput (ORIGIN.md, the WSDLs).
 */
import type { FkService } from '../xsd.js';

export type EntityService = Exclude<FkService, 'OrganisationSystem'>;

export interface ServiceInfo {
  readonly name: EntityService;
  /** `/organisation/<path>/6`, as the production endpoint. */
  readonly path: string;
  readonly ns: string;
  readonly prefix: string;
}

const info = (name: EntityService, prefix: string): ServiceInfo => ({
  name,
  path: name.toLowerCase(),
  ns: `http://stoettesystemerne.dk/organisation/${name.toLowerCase()}/6/`,
  prefix,
});

export const SERVICES: readonly ServiceInfo[] = [
  info('OrganisationEnhed', 'orgenhed'),
  info('Bruger', 'bruger'),
  info('Person', 'person'),
  info('Adresse', 'adresse'),
  info('OrganisationFunktion', 'orgfunk'),
  info('Organisation', 'org'),
];

export const serviceByPath = (segment: string): ServiceInfo | undefined =>
  SERVICES.find((s) => s.path === segment);

export const serviceByName = (name: EntityService): ServiceInfo =>
  SERVICES.find((s) => s.name === name) as ServiceInfo;

/** Request element -> operation name (the SOAP action's last segment) and its reply element. */
export const OPERATIONS = {
  ImportInput: { operation: 'importer', output: 'ImportOutput' },
  LaesInput: { operation: 'laes', output: 'LaesOutput' },
  RetInput: { operation: 'ret', output: 'RetOutput' },
  PassiverInput: { operation: 'passiver', output: 'PassiverOutput' },
  ListInput: { operation: 'list', output: 'ListOutput' },
  SoegInput: { operation: 'soeg', output: 'SoegOutput' },
  // In the contract, not (yet) in the simulator: answered with a Receiver fault that says so.
  OpretInput: { operation: 'opret', output: 'OpretOutput' },
  SletInput: { operation: 'slet', output: 'SletOutput' },
} as const;
export type InputElement = keyof typeof OPERATIONS;
export type Operation = (typeof OPERATIONS)[InputElement]['operation'];

export const soapAction = (service: ServiceInfo, operation: string): string =>
  `http://kombit.dk/sts/organisation/${service.path}/${operation}`;

export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  sd: 'urn:oio:sagdok:3.0.0',
  orgfaelles: 'http://stoettesystemerne.dk/organisation/6/',
  sts: 'urn:oio:sts:6',
  header: 'http://kombit.dk/xml/schemas/RequestHeader/1/',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsa: 'http://www.w3.org/2005/08/addressing',
} as const;
