import { readFileSync } from 'node:fs';
import { CohortlinkError } from '../errors.js';

/**
 * Reads the shared secret from a file or an environment variable. Error messages name where
 * the secret was looked for, never its content. One trailing newline is dropped, because
 * `echo secret > file` adds one and nobody means it to be part of the key.
 */
export function readSecret(opts: { file?: string; env?: string }): Uint8Array {
  let raw: Buffer;
  if (opts.file !== undefined) {
    try {
      raw = readFileSync(opts.file);
    } catch (e) {
      throw new CohortlinkError(
        'CL_FILE_UNREADABLE',
        `cannot read secret file '${opts.file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (opts.env !== undefined) {
    const v = process.env[opts.env];
    if (v === undefined)
      throw new CohortlinkError('CL_SECRET_MISSING', `environment variable '${opts.env}' is not set`);
    raw = Buffer.from(v, 'utf8');
  } else {
    throw new CohortlinkError(
      'CL_SECRET_MISSING',
      'give the shared secret with --secret-file FILE or --secret-env VAR',
    );
  }
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0a) end--;
  if (end > 0 && raw[end - 1] === 0x0d) end--;
  if (end === 0) throw new CohortlinkError('CL_SECRET_MISSING', 'the shared secret is empty');
  return new Uint8Array(raw.subarray(0, end));
}
