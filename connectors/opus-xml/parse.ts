/**
 * Streaming reader for the OPUS XML export. The file is a flat list of `orgUnit` and
 * `employee` elements under `<kmd>`, each with one level of text-only children, so the
 * reader hands each record over as a small flat object as soon as it closes and keeps
 * nothing else: a 100 MB export never sits in memory as a tree.
 *
 * Anything wrong with the file as a whole (not XML, truncated, wrong root, undecodable
 * bytes) throws ORGSYNC_SOURCE_MALFORMED; the caller never gets a partial result, because
 * the error surfaces before the caller's `await` returns.
 */
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import { OrgsyncError } from '../../src/errors.js';
import { errCode } from './locate.js';

export type RecordKind = 'orgUnit' | 'employee';

export interface RawRecord {
  kind: RecordKind;
  /** Line of the record's start tag, to name records that have no id. */
  line: number;
  attrs: Record<string, string>;
  /** Child element name -> its text, untrimmed. Empty elements give ''. */
  fields: Record<string, string | undefined>;
}

const ROOT = 'kmd';
/** Large reads: fewer chunk round-trips through the stream and the parser. */
const CHUNK_BYTES = 1 << 20;

/** Which child elements to keep per record kind; the text of all others is never collected. */
export type FieldSelection = Readonly<Record<RecordKind, ReadonlySet<string>>>;

export async function parseOpusFile(
  file: string,
  fields: FieldSelection,
  onRecord: (record: RawRecord) => void,
): Promise<void> {
  const reader = new RecordReader(file, fields, onRecord);
  let decoder: TextDecoder | undefined;
  const stream = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      decoder ??= decoderFor(chunk, file);
      reader.write(decode(decoder, chunk, file, reader.line));
    }
    // Flush: a multi-byte character cut off by the end of the file is an error here.
    if (decoder !== undefined) reader.write(decode(decoder, undefined, file, reader.line));
    reader.close();
  } catch (e) {
    stream.destroy();
    // Only I/O failures become UNREADABLE; anything else (a bug) must surface as itself.
    if (!isIoError(e)) throw e;
    throw new OrgsyncError('ORGSYNC_SOURCE_UNREADABLE', `Cannot read OPUS export ${file} (${errCode(e)})`, {
      cause: e,
    });
  }
}

/** The saxes parser plus the little state needed to cut the stream into records. */
class RecordReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private depth = 0;
  private record: RawRecord | null = null;
  private wanted: ReadonlySet<string> | null = null;
  private field: string | null = null;
  private text = '';
  private error: { line: number; message: string } | null = null;

  constructor(
    private readonly file: string,
    private readonly fields: FieldSelection,
    private readonly onRecord: (record: RawRecord) => void,
  ) {
    const p = this.parser;
    // saxes reports errors through the handler and carries on; keep the first and stop.
    p.on('error', (err) => {
      const message = err.message.replace(/^\d+:\d+: /, '');
      // saxes only says "unclosed tag: kmd"; an operator needs to hear "truncated".
      const hint = message.startsWith('unclosed tag') ? ' (the file ends early: a truncated export?)' : '';
      this.error ??= { line: p.line, message: message + hint };
    });
    p.on('opentag', (tag) => this.openTag(tag.name, tag.attributes));
    p.on('text', (t) => this.append(t));
    p.on('cdata', (t) => this.append(t));
    p.on('closetag', () => this.closeTag());
  }

  get line(): number {
    return this.parser.line;
  }

  write(text: string): void {
    if (text.length > 0) this.parser.write(text);
    this.throwIfFailed();
  }

  close(): void {
    this.parser.close();
    this.throwIfFailed();
  }

  private openTag(name: string, attrs: Record<string, string>): void {
    const depth = ++this.depth;
    if (depth === 1) {
      if (name !== ROOT) this.parser.fail(`root element is <${name}>, expected <${ROOT}>`);
    } else if (depth === 2) {
      if (name === 'orgUnit' || name === 'employee') {
        // A plain object, not Object.create(null): V8 keeps it in fast mode, and only
        // known field names are ever read from it.
        this.record = { kind: name, line: this.parser.line, attrs, fields: {} };
        this.wanted = this.fields[name];
      }
    } else if (depth === 3 && this.wanted?.has(name)) {
      // Skipping unused children (address, payGradeText...) saves most of the allocation.
      this.field = name;
      this.text = '';
    }
  }

  private append(text: string): void {
    // Only a record's direct children carry values; whitespace between elements is noise.
    if (this.field !== null && this.depth === 3) this.text += text;
  }

  private closeTag(): void {
    const depth = this.depth--;
    if (depth === 3 && this.field !== null && this.record !== null) {
      this.record.fields[this.field] = this.text;
      this.field = null;
    } else if (depth === 2 && this.record !== null) {
      const record = this.record;
      this.record = null;
      this.wanted = null;
      this.onRecord(record);
    }
  }

  private throwIfFailed(): void {
    if (this.error !== null) throw malformed(this.file, this.error.line, this.error.message);
  }
}

/**
 * OPUS writes UTF-8, but a file re-saved on a Windows share may be Latin-1 with a matching
 * declaration. Honour the declared encoding, and decode strictly: a mis-declared file must
 * fail loudly rather than turn "Søren" into "S\uFFFDren" in every target.
 */
function decoderFor(head: Buffer, file: string): TextDecoder {
  const declared = /^(?:\xEF\xBB\xBF)?\s*<\?xml[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
    head.toString('latin1', 0, Math.min(head.length, 512)),
  )?.[1];
  try {
    return new TextDecoder(declared ?? 'utf-8', { fatal: true });
  } catch {
    throw malformed(file, 1, `unsupported encoding "${declared}"`);
  }
}

/** Decodes one chunk (or flushes the decoder when `chunk` is undefined), mapping bad bytes to MALFORMED. */
function decode(decoder: TextDecoder, chunk: Buffer | undefined, file: string, line: number): string {
  try {
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch {
    throw malformed(file, line, `bytes that are not valid ${decoder.encoding} at or after this line`);
  }
}

const isIoError = (e: unknown): boolean =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';

const malformed = (file: string, line: number, reason: string): OrgsyncError =>
  new OrgsyncError('ORGSYNC_SOURCE_MALFORMED', `Malformed OPUS export ${file}, line ${line}: ${reason}`, {
    details: [file, `line ${line}`],
  });
