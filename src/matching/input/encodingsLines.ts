/**
 * The line rules of an encodings NDJSON file (format cohortlink-encodings/1), shared by the
 * engine's reader (readEncodings.ts, which also decodes) and the service's upload check
 * (EncodingsValidator below, which only validates). One header line first, record lines, an
 * optional summary line last; every record has a unique ref of 1–256 characters, a base64 CLK of
 * exactly `filterBits` and string block keys.
 *
 * Validation is strict but cheap per line: the header and summary go through zod, record lines
 * are checked by hand (a zod parse per record would cost more than decoding the CLK).
 */
import {
  type HeaderLine,
  headerLine,
  MAX_REF_LENGTH,
  refProblem,
  type SummaryLine,
  summaryLine,
} from '../../encoding/ndjson.js';
import { CohortlinkError, issuesFromZod } from '../../errors.js';

export abstract class EncodingsLineParser {
  protected lineNo = 0;
  protected header: HeaderLine | undefined;
  protected summary: SummaryLine | undefined;
  protected bytesPerFilter = 0;
  private base64Length = 0;
  protected recordCount = 0;
  private readonly seenRefs = new Set<string>();
  protected keyNames: string[] = [];
  /** The decoded filter of the record being read (reused: no allocation per line). */
  protected scratch = Buffer.alloc(0);
  /** Block key ids of the record being read, by position in keyNames (reused likewise). */
  private keyScratch = new Int32Array(0);

  /** `label` starts every message: the file path, or the upload's name. */
  constructor(protected readonly label: string) {}

  /** Called once the header is valid, before any record. */
  protected onHeader(_h: HeaderLine): void {}
  /** The id of block key `k`'s value `s.slice(start, end)`; any number >= 0 when ids are not needed. */
  protected abstract internKey(k: number, s: string, start: number, end: number): number;
  /** A valid record: its (detached) ref, its filter in `this.scratch`, its block key ids. */
  protected abstract onRecord(ref: string, keys: Int32Array): void;

  line(text: string, start: number, end: number): void {
    this.lineNo++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // tolerate CRLF
    if (end === start) return;
    const line = start === 0 && end === text.length ? text : text.slice(start, end);
    if (this.header !== undefined && this.summary === undefined && this.fastRecord(line)) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw this.fail('is not valid JSON');
    }
    if (this.header === undefined) this.readHeader(value);
    else if (this.summary !== undefined)
      throw this.fail('follows the summary line; the summary must be last');
    else if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'summary')
      this.readSummary(value);
    else this.readRecord(value);
  }

  private readHeader(value: unknown): void {
    const parsed = headerLine.safeParse(value);
    if (!parsed.success)
      throw new CohortlinkError(
        'CL_NDJSON_MALFORMED',
        `${this.label} line ${this.lineNo}: the first line is not a cohortlink-encodings/1 header`,
        issuesFromZod(parsed.error),
      );
    const h = parsed.data;
    if (h.filterBits % 64 !== 0 || h.filterBits > 16_384)
      throw this.fail(`header filterBits ${h.filterBits} is not a multiple of 64 up to 16384`);
    this.header = h;
    this.bytesPerFilter = h.filterBits / 8;
    this.base64Length = Math.ceil(this.bytesPerFilter / 3) * 4;
    this.scratch = Buffer.alloc(this.bytesPerFilter + 3);
    this.keyNames = [...h.blockKeys];
    this.keyScratch = new Int32Array(this.keyNames.length);
    this.onHeader(h);
  }

  private readSummary(value: unknown): void {
    const parsed = summaryLine.safeParse(value);
    if (!parsed.success)
      throw new CohortlinkError(
        'CL_NDJSON_MALFORMED',
        `${this.label} line ${this.lineNo}: malformed summary line`,
        issuesFromZod(parsed.error),
      );
    this.summary = parsed.data;
  }

  /**
   * The encoder's own record lines, {"ref":"…","clk":"…","blocks":{"k":"v",…}} with nothing to
   * unescape, read by position: three times faster than JSON.parse plus checks, and 1M-record
   * files are the normal case. Anything else (escapes, other key order, extra fields) returns
   * false and takes the general path, which accepts any valid JSON record line.
   */
  private fastRecord(line: string): boolean {
    if (!line.startsWith('{"ref":"') || line.indexOf('\\') !== -1) return false;
    const refEnd = line.indexOf('"', 8);
    if (refEnd < 0 || !line.startsWith('","clk":"', refEnd)) return false;
    const clkStart = refEnd + 9;
    const clkEnd = clkStart + this.base64Length;
    if (line.charCodeAt(clkEnd) !== 34) return false;
    let pos = clkEnd + 1;
    const keys = this.keyScratch;
    keys.fill(-1);
    if (line.startsWith(',"blocks":{', pos)) {
      pos += 11;
      if (line.charCodeAt(pos) === 125) pos++;
      else
        for (;;) {
          if (line.charCodeAt(pos) !== 34) return false;
          const nameEnd = line.indexOf('"', pos + 1);
          if (nameEnd < 0 || line.charCodeAt(nameEnd + 1) !== 58 || line.charCodeAt(nameEnd + 2) !== 34)
            return false;
          const valueEnd = line.indexOf('"', nameEnd + 3);
          if (valueEnd < 0) return false;
          const k = this.keyIndex(line, pos + 1, nameEnd);
          if (k >= 0 && valueEnd > nameEnd + 3) keys[k] = this.internKey(k, line, nameEnd + 3, valueEnd);
          pos = valueEnd + 1;
          const c = line.charCodeAt(pos++);
          if (c === 125) break;
          if (c !== 44) return false;
        }
    }
    if (pos !== line.length - 1 || line.charCodeAt(pos) !== 125) return false;
    this.addRecord(line.slice(8, refEnd), line.slice(clkStart, clkEnd), keys);
    return true;
  }

  private readRecord(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw this.fail('is not a JSON object');
    const { ref, clk, blocks } = value as { ref?: unknown; clk?: unknown; blocks?: unknown };
    if (typeof ref !== 'string') throw this.fail('field "ref" must be a string');
    if (typeof clk !== 'string') throw this.fail('field "clk" is missing');
    const b = blocks === undefined ? {} : blocks;
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      throw this.fail('field "blocks" must be an object');
    const keys = this.keyScratch;
    for (let k = 0; k < this.keyNames.length; k++) {
      const key = (b as Record<string, unknown>)[this.keyNames[k]!];
      if (key !== undefined && key !== null && typeof key !== 'string')
        throw this.fail(`field "blocks.${this.keyNames[k]}" must be a string`);
      keys[k] = typeof key === 'string' && key !== '' ? this.internKey(k, key, 0, key.length) : -1;
    }
    this.addRecord(ref, clk, keys);
  }

  private addRecord(ref: string, clk: string, keys: Int32Array): void {
    const problem = refProblem(ref);
    if (problem === 'ref_control_character')
      throw this.fail('field "ref" must not hold control characters (newline, NUL, DEL …)');
    if (problem === 'ref_formula_start')
      throw this.fail(
        'field "ref" must not start with =, +, - or @ (spreadsheets run such a cell as a formula)',
      );
    if (problem !== undefined)
      throw this.fail(`field "ref" must be a string of 1–${MAX_REF_LENGTH} characters`);
    if (clk.length !== this.base64Length)
      throw this.fail(`field "clk" does not hold ${this.header?.filterBits} bits`);
    ref = detach(ref);
    if (this.seenRefs.has(ref)) throw this.fail('repeats a record reference seen on an earlier line');
    this.seenRefs.add(ref);
    // Buffer.write skips characters that are not base64 and the length is exact, so any such
    // character makes the write come up short.
    const written = this.scratch.write(clk, 0, 'base64');
    if (written !== this.bytesPerFilter) throw this.fail('field "clk" is not valid base64');
    this.recordCount++;
    this.onRecord(ref, keys);
  }

  private keyIndex(line: string, start: number, end: number): number {
    const names = this.keyNames;
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (name.length === end - start && line.startsWith(name, start)) return k;
    }
    return -1;
  }

  /** The header, or an error when the input had none. */
  protected requireHeader(): HeaderLine {
    if (this.header === undefined)
      throw new CohortlinkError('CL_NDJSON_MALFORMED', `${this.label} is empty: no header line`);
    return this.header;
  }

  /** A summary that counts other than `count` records means the input was cut short. */
  protected checkSummaryCount(count: number): void {
    if (this.summary !== undefined && this.summary.encoded !== count)
      throw new CohortlinkError(
        'CL_NDJSON_MALFORMED',
        `${this.label}: the summary counts ${this.summary.encoded} encoded records but the file holds ${count}; it may be truncated`,
      );
  }

  protected fail(what: string): CohortlinkError {
    return new CohortlinkError('CL_NDJSON_MALFORMED', `${this.label} line ${this.lineNo} ${what}`, [
      { path: `line ${this.lineNo}`, message: what },
    ]);
  }
}

export interface ValidatedEncodings {
  readonly header: HeaderLine;
  readonly summary: SummaryLine | undefined;
  readonly records: number;
}

/**
 * Checks every line without decoding into memory (only the refs are kept, to refuse
 * duplicates). `onHeader` lets a caller refuse an incompatible file at its first line.
 */
export class EncodingsValidator extends EncodingsLineParser {
  constructor(
    label: string,
    private readonly headerCheck?: (h: HeaderLine) => void,
  ) {
    super(label);
  }

  protected override onHeader(h: HeaderLine): void {
    this.headerCheck?.(h);
  }

  protected internKey(): number {
    return 0;
  }

  protected onRecord(): void {}

  finish(): ValidatedEncodings {
    const header = this.requireHeader();
    this.checkSummaryCount(this.recordCount);
    return { header, summary: this.summary, records: this.recordCount };
  }
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 represents a slice of
 * 13+ characters as a view of its parent — here the 1 MiB chunk of file text — so keeping a ref
 * or block key would keep every chunk, i.e. the whole file. Concatenating forces a flat copy.
 */
function detach(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
