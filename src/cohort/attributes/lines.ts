import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CohortlinkError, type ErrorCode, type Issue } from '../../errors.js';

/** A file path or an already-open stream (an HTTP upload body, a test's `Readable.from`). */
export type LineSource = string | Readable;

/** How a reader names its source and when it must stop. */
export interface LineOptions {
  /** What messages call the source (default: the file path, or "the upload" for a stream). */
  readonly label?: string;
  /** Stops reading once aborted (a request's time budget): CL_TIMEOUT naming the line. */
  readonly signal?: AbortSignal;
}

/** Lines one at a time, numbered from 1, without holding the file in memory. */
export async function* numberedLines(
  source: LineSource,
  options: LineOptions = {},
): AsyncGenerator<[number, string]> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const { signal } = options;
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      if (signal?.aborted) {
        const what = 'not validated within the time budget of the request';
        throw new CohortlinkError('CL_TIMEOUT', `${describe(source, options)}: stopped at line ${n}`, [
          { path: `line ${n}`, message: what },
        ]);
      }
      yield [n, n === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line];
    }
  } catch (e) {
    if (e instanceof CohortlinkError) throw e;
    const err = e as NodeJS.ErrnoException;
    // The code only: an error's message may quote what it was reading.
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot read ${describe(source, options)}: ${err.code ?? 'read error'}`,
      [],
      {
        cause: e,
      },
    );
  } finally {
    rl.close();
    if (typeof source === 'string') input.destroy();
  }
}

export const describe = (source: LineSource, options: LineOptions = {}): string =>
  options.label ?? (typeof source === 'string' ? source : 'the upload');

/**
 * zod's wording of an issue where it cannot quote the input; an unknown key (which zod names)
 * is described instead: a key of a data holder's file may itself be a value put in the wrong
 * place.
 */
export function issueMessage(i: { readonly code: string; readonly message: string }): string {
  return i.code === 'unrecognized_keys' ? 'holds a field this format does not define' : i.message;
}

/** At most this many issues are listed; the rest are counted, so a bad file gives a readable error. */
export const MAX_LISTED_ISSUES = 20;

/**
 * Collects problems while a whole file is read, so the caller sees every bad line at once (up to
 * the listing cap) and nothing is returned unless the file is clean: all or nothing.
 */
export class IssueLog {
  readonly issues: Issue[] = [];
  badLines = 0;
  private lastLine = 0;

  add(line: number, column: string | null, message: string): void {
    if (line !== this.lastLine) {
      this.badLines++;
      this.lastLine = line;
    }
    if (this.issues.length < MAX_LISTED_ISSUES)
      this.issues.push({
        path: column === null ? `line ${line}` : `line ${line}, column ${column}`,
        message,
      });
  }

  throwIfAny(code: ErrorCode, what: string, lines: number): void {
    if (this.badLines === 0) return;
    const more = this.badLines > this.issues.length ? ` (first ${this.issues.length} issues listed)` : '';
    throw new CohortlinkError(
      code,
      `${what}: ${this.badLines} of ${lines} lines rejected${more}`,
      this.issues,
    );
  }
}
