/**
 * Mapping attribute names are SCIM attribute paths (RFC 7644 section 3.10), in a form the
 * configuration's attribute names can hold (no brackets, no quotes):
 *
 *   userName, displayName, title              a core attribute
 *   name.givenName                            a sub-attribute of a complex core attribute
 *   emails.work, phoneNumbers.mobile          the `value` of the multi-valued entry of that type
 *   addresses.work.locality                   another sub-attribute of that entry
 *   urn:...:enterprise:2.0:User:department    an extension attribute (the URN, a colon, the name)
 *   urn:...:enterprise:2.0:User:manager       (a reference: see config `references`)
 *
 * This module turns such a name into the path PATCH uses (`emails[type eq "work"].value`),
 * reads its value from a resource, and writes it into a resource body (POST and PUT).
 */
import { ConnectorError } from '../../src/sdk/errors.js';
import { prop } from './discovery.js';

/** The core User attributes that are multi-valued with a `type` (RFC 7643 section 4.1.2). */
const TYPED = new Set([
  'emails',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509certificates',
]);
/** What the connector itself writes: a mapping may not set it. */
const RESERVED = new Set(['id', 'externalid', 'meta', 'schemas', 'active', 'groups', 'members', 'password']);

export type AttrPath =
  /** `schema` is an extension URN, or null for the core schema. */
  | { kind: 'plain'; name: string; schema: string | null; attr: string; sub: string | null }
  | { kind: 'typed'; name: string; attr: string; type: string; sub: string };

export function parseAttrPath(name: string, objectType: string): AttrPath {
  const refuse = (why: string) =>
    new ConnectorError(
      'invalid-config',
      `${objectType} attribute ${name}: ${why} (see the scim README, Attributes)`,
    );
  let schema: string | null = null;
  let rest = name;
  if (/^urn:/i.test(name)) {
    const at = name.lastIndexOf(':');
    schema = name.slice(0, at);
    rest = name.slice(at + 1);
    if (!/^urn:[\w.:-]+$/i.test(schema) || rest === '')
      throw refuse('an extension attribute is <schema URN>:<name>');
  }
  const parts = rest.split('.');
  if (parts.some((p) => !/^[A-Za-z$][\w$-]*$/.test(p))) throw refuse('not a SCIM attribute path');
  const [attr, second, third, ...more] = parts as [string, string?, string?, ...string[]];
  if (schema === null && RESERVED.has(attr.toLowerCase()))
    throw refuse(`${attr} is written by the connector itself; leave it out of the mapping`);
  if (schema === null && TYPED.has(attr.toLowerCase())) {
    if (second === undefined || more.length > 0)
      throw refuse(`${attr} is multi-valued: name the entry's type, as ${attr}.work`);
    return { kind: 'typed', name, attr, type: second, sub: third ?? 'value' };
  }
  if (third !== undefined) throw refuse('at most one sub-attribute: attribute.subAttribute');
  return { kind: 'plain', name, schema, attr, sub: second ?? null };
}

/** Where PATCH finds the value (RFC 7644 section 3.5.2). */
export function patchPath(p: AttrPath): string {
  if (p.kind === 'typed') return `${p.attr}[type eq "${p.type}"].${p.sub}`;
  const base = p.schema ? `${p.schema}:${p.attr}` : p.attr;
  return p.sub ? `${base}.${p.sub}` : base;
}

/** The path a PATCH `remove` takes: for a typed entry's value, the whole entry. */
export function removePath(p: AttrPath): string {
  return p.kind === 'typed' && p.sub === 'value' ? `${p.attr}[type eq "${p.type}"]` : patchPath(p);
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** The entry of a typed multi-valued attribute, by its type (types compare without case). */
function entryOf(list: unknown, type: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((e) => lower(prop(e, 'type')) === type.toLowerCase()) as
    | Record<string, unknown>
    | undefined;
}

/** The attribute's value in a resource, or undefined when it has none. */
export function readPath(resource: unknown, p: AttrPath): unknown {
  if (p.kind === 'typed') return prop(entryOf(prop(resource, p.attr), p.type), p.sub);
  const holder = p.schema ? prop(resource, p.schema) : resource;
  const value = prop(holder, p.attr);
  return p.sub ? prop(value, p.sub) : value;
}

/** Sets (or, with undefined, removes) the attribute in a resource body. */
export function writePath(resource: Record<string, unknown>, p: AttrPath, value: unknown): void {
  if (p.kind === 'typed') {
    const key = ownKey(resource, p.attr);
    const list = Array.isArray(resource[key]) ? [...(resource[key] as Record<string, unknown>[])] : [];
    const entry = entryOf(list, p.type);
    const at = entry ? list.indexOf(entry) : -1;
    if (value === undefined) {
      if (at < 0) return;
      const rest = { ...entry };
      delete rest[ownKey(rest, p.sub)];
      // An entry without its value is no entry: it goes, whatever else it carried.
      if (p.sub === 'value') list.splice(at, 1);
      else list[at] = rest;
    } else if (at >= 0) list[at] = { ...entry, [ownKey(entry!, p.sub)]: value };
    // The first address of its kind is the primary one: services that need one find it.
    else list.push({ type: p.type, [p.sub]: value, ...(list.length === 0 ? { primary: true } : {}) });
    if (list.length === 0) delete resource[key];
    else resource[key] = list;
    return;
  }
  let holder = resource;
  if (p.schema) {
    const key = ownKey(resource, p.schema);
    const ext = resource[key];
    if (typeof ext !== 'object' || ext === null) {
      if (value === undefined) return;
      resource[key] = {};
    } else resource[key] = { ...(ext as Record<string, unknown>) };
    holder = resource[key] as Record<string, unknown>;
  }
  const attrKey = ownKey(holder, p.attr);
  if (p.sub === null) {
    if (value === undefined) delete holder[attrKey];
    else holder[attrKey] = value;
    return;
  }
  const complex = holder[attrKey];
  const next: Record<string, unknown> = typeof complex === 'object' && complex !== null ? { ...complex } : {};
  if (value === undefined) delete next[ownKey(next, p.sub)];
  else next[ownKey(next, p.sub)] = value;
  if (Object.keys(next).length === 0) delete holder[attrKey];
  else holder[attrKey] = next;
}

/** The key the object already uses for a name (any case), or the name itself. */
function ownKey(o: Record<string, unknown>, name: string): string {
  if (Object.hasOwn(o, name)) return name;
  const lowerName = name.toLowerCase();
  return Object.keys(o).find((k) => k.toLowerCase() === lowerName) ?? name;
}

/** The extension schemas a body uses: they must be listed in its `schemas`. */
export function schemasOf(body: Record<string, unknown>, core: string): string[] {
  const extensions = Object.keys(body).filter(
    (k) =>
      /^urn:/i.test(k) && typeof body[k] === 'object' && body[k] !== null && Object.keys(body[k]).length > 0,
  );
  return [core, ...extensions];
}
