/**
 * Copies an encodings file keeping its header and only the records whose ref is in `keep`
 * (a dataset's deceased records as an exclusion source). Lines are copied verbatim, so the
 * subset reads exactly as the original would; the summary line is left out (its counts
 * describe the whole file).
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Returns the number of records written. */
export async function writeEncodingsSubset(
  from: string,
  to: string,
  keep: ReadonlySet<string>,
): Promise<number> {
  const out = createWriteStream(to, { flags: 'wx' });
  const lines = createInterface({ input: createReadStream(from), crlfDelay: Number.POSITIVE_INFINITY });
  let written = 0;
  let first = true;
  try {
    for await (const line of lines) {
      if (line === '') continue;
      let keepLine = first;
      if (!first) {
        const parsed = JSON.parse(line) as { ref?: unknown; type?: unknown };
        keepLine = typeof parsed.ref === 'string' && parsed.type === undefined && keep.has(parsed.ref);
        if (keepLine) written++;
      }
      first = false;
      if (keepLine && !out.write(`${line}\n`)) await once(out, 'drain');
    }
  } finally {
    lines.close();
    out.end();
    await once(out, 'close');
  }
  return written;
}
