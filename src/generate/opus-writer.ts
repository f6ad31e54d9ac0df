/**
 * Writes a generated municipality as a KMD OPUS XML export. Streams in chunks and honours
 * backpressure, so a 100 MB file never sits in memory; element order, empty elements and
 * `9999-12-31` for open end dates follow what OPUS sends.
 */
import { once } from 'node:events';
import { compact, OPEN_END } from './dates.js';
import type { GenEmployment, GenUnit, Municipality } from './model.js';

/** `ZLPE<YYYYMMDD>000000_delta.xml`: OPUS names its daily full dump "delta" all the same. */
export const opusFileName = (asOf: string): string => `ZLPE${compact(asOf)}000000_delta.xml`;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// Characters XML 1.0 cannot carry at all: C0 controls other than tab/newline/CR, U+FFFE/U+FFFF.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
// A surrogate half without its partner is not a character; UTF-8 cannot encode it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NEEDS_WORK = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escapes text for element content and attribute values alike; drops what XML cannot hold. */
export function escapeXml(value: string): string {
  // Nearly all values are plain: test once instead of running three replaces.
  if (!NEEDS_WORK.test(value)) return value;
  return value
    .replace(INVALID, '')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const el = (name: string, value: string | null | undefined): string =>
  value === null || value === undefined || value === ''
    ? `  <${name}/>\n`
    : `  <${name}>${escapeXml(value)}</${name}>\n`;

function unitXml(u: GenUnit, client: string): string {
  return (
    ` <orgUnit id="${escapeXml(u.id)}" client="${escapeXml(client)}" lastChanged="${escapeXml(u.lastChanged)}">\n` +
    el('startDate', u.startDate) +
    el('endDate', u.endDate ?? OPEN_END) +
    el('parentOrgUnit', u.parentOrgUnit) +
    el('shortName', u.shortName) +
    el('longName', u.longName) +
    el('street', u.street) +
    el('zipCode', u.zipCode) +
    el('city', u.city) +
    el('phoneNumber', u.phoneNumber) +
    el('cvrNr', u.cvrNr) +
    el('eanNr', u.eanNr) +
    el('seNr', u.seNr) +
    el('pNr', u.pNr) +
    el('costCenter', u.costCenter) +
    el('orgType', u.orgType) +
    el('orgTypeTxt', u.orgTypeTxt) +
    ' </orgUnit>\n'
  );
}

function employeeXml(e: GenEmployment, client: string): string {
  const attrs = `id="${escapeXml(e.id)}" client="${escapeXml(client)}" lastChanged="${escapeXml(e.lastChanged)}"`;
  // OPUS reports a leaver once, as a bare record.
  if (e.action === 'leave') return ` <employee ${attrs} action="leave"/>\n`;
  return (
    ` <employee ${attrs}>\n` +
    el('entryDate', e.entryDate) +
    el('leaveDate', e.leaveDate) +
    `  <cpr suppId="0">${escapeXml(e.cpr)}</cpr>\n` +
    el('firstName', e.firstName) +
    el('lastName', e.lastName) +
    el('address', e.address) +
    el('postalCode', e.postalCode) +
    el('city', e.city) +
    el('country', e.country) +
    el('email', e.email) +
    el('userId', e.userId) +
    el('workPhone', e.workPhone) +
    el('workContract', e.workContract) +
    el('workContractText', e.workContractText) +
    el('positionId', e.positionId) +
    el('position', e.position) +
    el('positionShort', e.positionShort) +
    el('isManager', e.isManager ? 'true' : 'false') +
    el('superiorLevel', '') +
    el('subordinateLevel', '') +
    el('orgUnit', e.orgUnit) +
    el('payGradeText', e.payGradeText) +
    el('numerator', e.numerator) +
    el('denominator', e.denominator) +
    ' </employee>\n'
  );
}

/** Characters gathered before handing a chunk to the stream. */
const CHUNK = 256 * 1024;

/**
 * Writes the export to `out` as UTF-8, waiting for 'drain' whenever the stream asks to.
 * Does not end `out`: the caller owns it (and may append or close it).
 */
export async function writeOpusXml(m: Municipality, out: NodeJS.WritableStream): Promise<void> {
  let buf = '<?xml version="1.0" encoding="UTF-8"?>\n<kmd>\n';
  const flush = async (): Promise<void> => {
    const chunk = buf;
    buf = '';
    if (!out.write(chunk, 'utf8')) await once(out, 'drain');
  };
  for (const u of m.units) {
    buf += unitXml(u, m.client);
    if (buf.length >= CHUNK) await flush();
  }
  for (const e of m.employees) {
    buf += employeeXml(e, m.client);
    if (buf.length >= CHUNK) await flush();
  }
  buf += '</kmd>\n';
  await flush();
}
