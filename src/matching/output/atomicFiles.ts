/**
 * A set of output files written to temporaries and moved into place together at the end, so a
 * failed run leaves none of them (nor a mix of old and new): `commit` renames every file only
 * after all were written; `abort` removes the temporaries.
 */
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CohortlinkError } from '../../errors.js';

const FLUSH_AT = 1 << 20;

export class OutputFile {
  private fd: number;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(
    readonly target: string,
    readonly temp: string,
  ) {
    try {
      this.fd = openSync(temp, 'wx', 0o600);
    } catch (err) {
      throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot write ${target}`, [], { cause: err });
    }
  }

  /** Appends text; buffered and written in ~1 MiB pieces. */
  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    try {
      writeSync(this.fd, this.pending.join(''));
    } catch (err) {
      throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot write ${this.target}`, [], { cause: err });
    }
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

export class AtomicFileSet {
  private readonly files: OutputFile[] = [];

  open(target: string): OutputFile {
    if (this.files.some((f) => f.target === target))
      throw new CohortlinkError('CL_USAGE', `two outputs would be written to ${target}`);
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.partial`);
    const file = new OutputFile(target, temp);
    this.files.push(file);
    return file;
  }

  commit(): void {
    for (const f of this.files) f.close();
    for (const f of this.files)
      try {
        renameSync(f.temp, f.target);
      } catch (err) {
        throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot move ${f.target} into place`, [], {
          cause: err,
        });
      }
  }

  abort(): void {
    for (const f of this.files) {
      try {
        f.close();
      } catch {
        // closing a broken file must not hide the error that caused the abort
      }
      try {
        unlinkSync(f.temp);
      } catch {
        // already gone
      }
    }
  }
}

/** A CSV field: quoted only when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
