/**
 * The record refs of a dataset's stored encodings file: attributes and events may only name
 * records the provider has uploaded encodings for (unknown refs are errors naming the line).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function encodingRefs(path: string): Promise<Set<string>> {
  const refs = new Set<string>();
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) {
      // Record lines start with {"ref": (header and summary lines carry "type" instead); a cheap
      // prefix test avoids parsing every header field, JSON.parse keeps the ref exact.
      if (!line.startsWith('{"ref"')) continue;
      const ref = (JSON.parse(line) as { ref?: unknown }).ref;
      if (typeof ref === 'string') refs.add(ref);
    }
  } finally {
    rl.close();
  }
  return refs;
}
