/**
 * The header and the summary line of an encodings file without reading its records: the first
 * line and the last. The data-quality report compares a dataset with the other datasets of its
 * project from their summaries alone, so a comparison with several million-record files costs
 * two small reads each instead of a full pass.
 *
 * The header goes through the engine's line rules (EncodingsLineParser); the summary through
 * the same zod schema the parser uses. The records in between are not checked here.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type HeaderLine, type SummaryLine, summaryLine } from '../encoding/ndjson.js';
import { CohortlinkError, issuesFromZod } from '../errors.js';
import { EncodingsLineParser } from '../matching/input/encodingsLines.js';
import { unreadable } from './encodingStats.js';

export interface EncodingsEnds {
  readonly header: HeaderLine;
  /** Undefined when the last line is not a summary (the summary line is optional). */
  readonly summary: SummaryLine | undefined;
}

const READ_STEP = 64 << 10; // 64 KiB: a summary with 1,000 listed rejections is ~40 KB

class HeaderReader extends EncodingsLineParser {
  protected internKey(): number {
    return 0;
  }

  protected onRecord(): void {}

  parsed(): HeaderLine {
    return this.requireHeader();
  }
}

export function readEncodingsEnds(path: string): EncodingsEnds {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    const size = fstatSync(fd).size;
    const first = firstLine(fd, size);
    const reader = new HeaderReader(path);
    reader.line(first.text, 0, first.text.length);
    const header = reader.parsed();
    const last = lastLine(fd, size);
    const summary = last.start <= first.end ? undefined : parseSummary(path, last.text);
    return { header, summary };
  } catch (err) {
    if (err instanceof CohortlinkError) throw err;
    throw unreadable(path, err);
  } finally {
    closeSync(fd);
  }
}

/** The first line and the byte offset just past it. */
function firstLine(fd: number, size: number): { text: string; end: number } {
  const parts: Buffer[] = [];
  for (let pos = 0; pos < size; pos += READ_STEP) {
    const buf = Buffer.alloc(Math.min(READ_STEP, size - pos));
    readSync(fd, buf, 0, buf.length, pos);
    const nl = buf.indexOf(10);
    if (nl >= 0) {
      parts.push(buf.subarray(0, nl));
      return { text: Buffer.concat(parts).toString('utf8'), end: pos + nl };
    }
    parts.push(buf);
  }
  return { text: Buffer.concat(parts).toString('utf8'), end: size };
}

/** The last non-empty line and the byte offset it starts at. */
function lastLine(fd: number, size: number): { text: string; start: number } {
  let tail = Buffer.alloc(0);
  let pos = size;
  for (;;) {
    const trimmed = trimEnd(tail);
    const nl = trimmed.lastIndexOf(10);
    if (nl >= 0 || pos === 0) {
      const start = nl >= 0 ? pos + nl + 1 : 0;
      return { text: trimmed.subarray(nl + 1).toString('utf8'), start };
    }
    const step = Math.min(READ_STEP, pos);
    const buf = Buffer.alloc(step);
    pos -= step;
    readSync(fd, buf, 0, step, pos);
    tail = Buffer.concat([buf, tail]);
  }
}

function trimEnd(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 10 || b[end - 1] === 13)) end--;
  return b.subarray(0, end);
}

function parseSummary(path: string, text: string): SummaryLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CohortlinkError('CL_NDJSON_MALFORMED', `${path}: the last line is not valid JSON`, [
      { path: 'last line', message: 'is not valid JSON' },
    ]);
  }
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'summary')
    return undefined;
  const parsed = summaryLine.safeParse(value);
  if (!parsed.success)
    throw new CohortlinkError(
      'CL_NDJSON_MALFORMED',
      `${path}: the last line is a malformed summary line`,
      issuesFromZod(parsed.error),
    );
  return parsed.data;
}
