/**
 * Streaming reader of SD Løn answers (PROTOCOL.md). A GetEmployment answer for a large
 * institution is tens of MB, so the body is fed in as it arrives and each record (a child of
 * the root: `Person`, `Department`, `Organization`, `DepartmentParent`, and the single-value
 * header elements such as `InstitutionUUIDIdentifier`) is handed over as a small tree the
 * moment it closes. Nothing else is kept: never the whole body as one string, never a DOM.
 *
 * The reader only tells what the body was; the client decides what that means:
 * - `answer`: the root was the operation's name and closed;
 * - `fault`: the root was an `Envelope` (SD's error answer, at any HTTP status), with its texts;
 * - `truncated`: the body ended before the root closed (or before it began);
 * - `invalid`: not XML, or a root that is neither. Seen as soon as it happens, so the client
 *   can stop reading.
 */
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** One element: its local name (prefix stripped), attributes, own text (untrimmed) and children. */
export interface XmlNode {
  name: string;
  /** The text directly inside this element, as sent: whitespace between children included. */
  text: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

export interface RecordSink {
  /** Called synchronously for each child of the root as it closes; may throw to stop the read. */
  record(node: XmlNode): void;
}

export type Outcome =
  | { type: 'answer' }
  /** `texts`: detail/string, faultstring, Reason/Text as found, non-empty ones, in that order. */
  | { type: 'fault'; texts: string[] }
  | { type: 'truncated' }
  | { type: 'invalid'; reason: string };

const ENVELOPE = 'Envelope';
/** The request echo: never needed, so its subtree is not even built. */
const SKIPPED = 'RequestStructure';

/**
 * The children list of every leaf: one shared empty array, replaced on the first child. Most
 * elements are leaves, so this saves an allocation per value.
 */
const NO_CHILDREN: XmlNode[] = [];
Object.freeze(NO_CHILDREN);

/** `sd:Person` → `Person`. SD sends no namespaces today; a SOAP-style proxy might add them. */
const local = (name: string): string => {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
};

export class AnswerReader {
  readonly #parser = new SaxesParser({ xmlns: false, position: false });
  readonly #operation: string;
  /** null: the records are not wanted (an error status: only an Envelope matters). */
  readonly #sink: RecordSink | null;
  #depth = 0;
  /** The nodes open at depth 2 and below (for an Envelope: from the root down). */
  readonly #stack: XmlNode[] = [];
  /** The depth of a subtree being skipped (RequestStructure, or records nobody wants); 0 if none. */
  #skip = 0;
  #root: string | undefined;
  #rootClosed = false;
  #envelope: XmlNode | undefined;
  #invalid: string | undefined;
  /** After close() starts: saxes then only reports what the end of input left open. */
  #ending = false;

  constructor(operation: string, sink: RecordSink | null) {
    this.#operation = operation;
    this.#sink = sink;
    const p = this.#parser;
    p.on('opentag', (tag) => this.#open(tag));
    p.on('closetag', () => this.#close());
    p.on('text', (t) => this.#text(t));
    p.on('cdata', (t) => this.#text(t));
    // saxes reports errors through the handler and carries on; the first one decides.
    p.on('error', (err) => {
      if (!this.#ending) this.#invalid ??= err.message.replace(/^\d+:\d+: /, '');
    });
  }

  /** The root element's local name once it has been seen. */
  get root(): string | undefined {
    return this.#root;
  }

  /** Why the body is not an SD answer, as soon as that is known. */
  get invalid(): string | undefined {
    return this.#invalid;
  }

  write(text: string): void {
    if (this.#invalid === undefined && text.length > 0) this.#parser.write(text);
  }

  /** Ends the input and says what the body was. */
  end(): Outcome {
    if (this.#invalid === undefined) {
      this.#ending = true;
      this.#parser.close();
    }
    if (this.#invalid !== undefined) return { type: 'invalid', reason: this.#invalid };
    if (!this.#rootClosed) return { type: 'truncated' };
    if (this.#envelope !== undefined) return { type: 'fault', texts: faultTexts(this.#envelope) };
    return { type: 'answer' };
  }

  #open(tag: SaxesTagPlain): void {
    const depth = ++this.#depth;
    if (this.#skip !== 0 || this.#invalid !== undefined) return;
    const name = local(tag.name);
    if (depth === 1) {
      this.#root = name;
      if (name === ENVELOPE) {
        // Faults are small: the whole Envelope is kept and searched when it closes.
        this.#envelope = { name, text: '', attrs: tag.attributes, children: NO_CHILDREN };
        this.#stack.push(this.#envelope);
      } else if (name !== this.#operation) {
        this.#invalid = `the answer's root element is <${name}>, expected <${this.#operation}>`;
      }
      return;
    }
    // One object shape for every node, so V8 keeps the mappers' property reads monomorphic.
    const node: XmlNode = { name, text: '', attrs: tag.attributes, children: NO_CHILDREN };
    const parent = this.#stack[this.#stack.length - 1];
    if (parent === undefined) {
      // A record (depth 2 of an answer).
      if (name === SKIPPED || this.#sink === null) this.#skip = depth;
      else this.#stack.push(node);
      return;
    }
    if (parent.children === NO_CHILDREN) parent.children = [node];
    else parent.children.push(node);
    this.#stack.push(node);
  }

  #close(): void {
    const depth = this.#depth--;
    if (this.#invalid !== undefined) return;
    if (this.#skip !== 0) {
      if (depth === this.#skip) this.#skip = 0;
      return;
    }
    if (depth === 1) {
      this.#rootClosed = true;
      this.#stack.length = 0;
      return;
    }
    const node = this.#stack.pop();
    if (node !== undefined && this.#stack.length === 0) this.#sink?.record(node);
  }

  #text(t: string): void {
    if (this.#skip !== 0) return;
    const top = this.#stack[this.#stack.length - 1];
    if (top !== undefined) top.text += t;
  }
}

/** SD's words in a fault: `detail/string` (its message), `faultstring`, or SOAP 1.2's `Reason/Text`. */
function faultTexts(envelope: XmlNode): string[] {
  const texts: string[] = [];
  const detail = find(envelope, 'detail');
  const detailText = detail === undefined ? '' : (find(detail, 'string')?.text ?? textContent(detail)).trim();
  const faultstring = find(envelope, 'faultstring')?.text.trim() ?? '';
  const reason = find(envelope, 'Reason');
  const reasonText = reason === undefined ? '' : textContent(reason).trim();
  for (const t of [detailText, faultstring, reasonText]) if (t !== '' && !texts.includes(t)) texts.push(t);
  return texts;
}

/** The first descendant named `name`, depth first. */
function find(node: XmlNode, name: string): XmlNode | undefined {
  for (const c of node.children) {
    if (c.name === name) return c;
    const below = find(c, name);
    if (below !== undefined) return below;
  }
  return undefined;
}

/** All text in a subtree, in document order (approximately: own text first). */
function textContent(node: XmlNode): string {
  let s = node.text;
  for (const c of node.children) s += textContent(c);
  return s;
}

// ---- reading records: small helpers the mappers use ----

/** The first child named `name`. A record has a handful of children, so a scan is cheapest. */
export function child(node: XmlNode, name: string): XmlNode | undefined {
  const children = node.children;
  for (let i = 0; i < children.length; i++) if (children[i]!.name === name) return children[i];
  return undefined;
}

/** The trimmed text of the first child named `name`, or undefined when there is none. */
export function childText(node: XmlNode, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : value(c);
}

/** An element's trimmed text, as a string of its own (see detach). */
export const value = (node: XmlNode): string => detach(node.text.trim());

/**
 * The parser's text is a V8 "sliced string" pointing into the chunk it came from, so keeping
 * one UUID would keep the whole decoded chunk alive, and with it, in the end, the whole body.
 * Concatenating and slicing forces a flat copy of just this value. V8 copies strings under
 * 13 characters anyway (CPR numbers, codes and dates cost nothing here).
 */
export const detach = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));

// ---- bytes to text ----

/**
 * A strict decoder for the body: the charset of the Content-Type, else the XML declaration's
 * encoding, else UTF-8. Strict, because a mis-declared answer must fail loudly rather than
 * turn "Søren" into "S\uFFFDren" in every target. Undefined for an encoding Node cannot decode.
 */
export function decoderFor(contentType: string | null, head: Uint8Array): TextDecoder | undefined {
  const label =
    /charset\s*=\s*"?([A-Za-z0-9._-]+)/i.exec(contentType ?? '')?.[1] ??
    /^(?:\xEF\xBB\xBF)?\s*<\?xml[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
      Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 256)).toString('latin1'),
    )?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(label, { fatal: true });
  } catch {
    return undefined;
  }
}
