/** Shared by the generator's tests: write to memory, parse OPUS XML back, walk the tree. */
import { Writable } from 'node:stream';
import { SaxesParser } from 'saxes';
import type { GenUnit, Municipality } from '../../src/generate/model.js';
import { writeOpusXml } from '../../src/generate/opus-writer.js';

/** Writes through a deliberately small, slow stream so that backpressure is exercised. */
export async function writeToBuffer(m: Municipality, opts: { slow?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (opts.slow) setImmediate(cb);
      else cb();
    },
  });
  await writeOpusXml(m, out);
  out.end();
  return Buffer.concat(chunks);
}

export interface ParsedRecord {
  tag: 'orgUnit' | 'employee';
  attrs: Record<string, string>;
  /** Child element text by name; '' for an empty element. */
  fields: Map<string, string>;
  /** Attributes of child elements (cpr suppId). */
  childAttrs: Map<string, Record<string, string>>;
}

export interface ParsedExport {
  xmlDecl: { version?: string; encoding?: string };
  root: string;
  records: ParsedRecord[];
}

/** A strict, namespace-free parse; throws on anything that is not well-formed XML. */
export function parseOpus(xml: string): ParsedExport {
  const parser = new SaxesParser();
  const records: ParsedRecord[] = [];
  const result: ParsedExport = { xmlDecl: {}, root: '', records };
  let current: ParsedRecord | null = null;
  let field: string | null = null;
  let text = '';
  let depth = 0;
  let error: Error | null = null;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('xmldecl', (d) => {
    result.xmlDecl = {
      ...(d.version ? { version: d.version } : {}),
      ...(d.encoding ? { encoding: d.encoding } : {}),
    };
  });
  parser.on('opentag', (node) => {
    depth++;
    const attrs = node.attributes as Record<string, string>;
    if (depth === 1) result.root = node.name;
    else if (depth === 2) {
      current = {
        tag: node.name as ParsedRecord['tag'],
        attrs: { ...attrs },
        fields: new Map(),
        childAttrs: new Map(),
      };
      records.push(current);
    } else if (depth === 3 && current) {
      field = node.name;
      text = '';
      if (Object.keys(attrs).length > 0) (current as ParsedRecord).childAttrs.set(node.name, { ...attrs });
    }
  });
  parser.on('text', (t) => {
    if (field) text += t;
  });
  parser.on('closetag', () => {
    if (depth === 3 && current && field) {
      (current as ParsedRecord).fields.set(field, text);
      field = null;
    }
    if (depth === 2) current = null;
    depth--;
  });
  parser.write(xml).close();
  if (error) throw error;
  return result;
}

/** Depth of every unit (root = 1); throws on a cycle or a missing parent. */
export function depths(units: readonly GenUnit[]): Map<string, number> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const out = new Map<string, number>();
  for (const u of units) {
    const seen = new Set<string>();
    let d = 0;
    for (let cur: GenUnit | undefined = u; cur; ) {
      if (seen.has(cur.id)) throw new Error(`cycle through ${cur.id}`);
      seen.add(cur.id);
      d++;
      if (cur.parentOrgUnit === null) break;
      const parent = byId.get(cur.parentOrgUnit);
      if (!parent) throw new Error(`unit ${cur.id} has a missing parent ${cur.parentOrgUnit}`);
      cur = parent;
    }
    out.set(u.id, d);
  }
  return out;
}
