/**
 * One pass over an encodings file for the data-quality and privacy-risk reports: the popcount
 * histogram, how often each bit position is set, and which filters occur more than once — all
 * as counts, never as filters or refs. Lines are read by the engine's own line rules
 * (EncodingsLineParser), so a file the linker would refuse is refused here with the same
 * message and line number.
 *
 * Memory is bounded by the distinct filters (one copy of each, in 8 MiB slabs: 128 MB for a
 * million 1024-bit filters) plus small typed arrays; nothing is allocated per record on our side.
 * Bits are not counted one by one: each byte position keeps a 256-entry histogram of the byte
 * values seen there (one increment per byte instead of one per set bit), and the per-bit counts
 * are derived from it at the end.
 */
import { createReadStream } from 'node:fs';
import type { HeaderLine, SummaryLine } from '../encoding/ndjson.js';
import { CohortlinkError } from '../errors.js';
import { EncodingsLineParser } from '../matching/input/encodingsLines.js';

export interface EncodingStats {
  readonly header: HeaderLine;
  readonly summary: SummaryLine | undefined;
  readonly records: number;
  readonly filterBits: number;
  /** popcountCounts[p]: filters with exactly p bits set (length filterBits + 1). */
  readonly popcountCounts: Uint32Array;
  /** uniqueAtPopcount[p]: filters with p bits set whose exact bit pattern occurs once in the file. */
  readonly uniqueAtPopcount: Uint32Array;
  /** bitCounts[i]: filters with bit i set, in bitfilter.ts order (bit 0 = top bit of byte 0). */
  readonly bitCounts: Float64Array;
  readonly distinctFilters: number;
  /** Records whose filter equals at least one other record's. */
  readonly duplicateRecords: number;
  /** Distinct filters held by two or more records. */
  readonly duplicatedFilters: number;
  /** Most records sharing one filter (1 when there are no duplicates, 0 for an empty file). */
  readonly largestDuplicateGroup: number;
  /**
   * A 64-bit digest of each distinct filter, sorted ascending: lets filters shared between two
   * files be counted after both files' filters are gone (two different filters share a digest
   * with probability ~n²/2^65, about 10⁻⁷ for two million filters).
   */
  readonly digests: BigUint64Array;
}

export interface EncodingStatsOptions {
  /** Called now and then with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
}

const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >>> 1]!;

const SLAB_WORDS = 2 << 20; // 8 MiB: big enough to be few, small enough that the last one wastes little

/** MurmurHash3 (x86, 32-bit) of `n` words of `w` from `at`: the table's hash, and with another seed the digest's second half. */
function murmur32(w: Uint32Array, at: number, n: number, seed: number): number {
  let h = seed;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(w[at + i]!, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h ^= n * 4;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const TABLE_SEED = 0x2f0b_3c1d;
const DIGEST_SEED = 0x9747_b28c;

/**
 * Distinct filters in an open-addressing table on typed arrays: the slot holds the filter's id
 * + 1, its 32-bit hash is kept per id so most probes are settled without touching the filter,
 * and the words are compared only when hashes agree. Filters are handled as 32-bit words
 * (filterBits is a multiple of 64): a quarter of the steps of a byte loop.
 */
class DistinctFilters {
  size = 0;
  private readonly perSlab: number;
  private readonly slabs: Uint32Array[] = [];
  private slots: Int32Array;
  private mask: number;
  hashes = new Uint32Array(1 << 12);
  counts = new Uint32Array(1 << 12);
  popcounts = new Uint16Array(1 << 12);

  constructor(private readonly words: number) {
    this.perSlab = Math.max(1, Math.floor(SLAB_WORDS / words));
    this.slots = new Int32Array(1 << 13);
    this.mask = this.slots.length - 1;
  }

  /** Counts one occurrence of the filter in `src[0, words)`. */
  add(src: Uint32Array, hash: number, popcount: number): void {
    const n = this.words;
    let slot = hash & this.mask;
    for (;;) {
      const id = this.slots[slot]! - 1;
      if (id < 0) break;
      if (this.hashes[id] === hash && this.same(id, src)) {
        this.counts[id]!++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    if (id === this.hashes.length) this.growLists();
    const k = Math.floor(id / this.perSlab);
    if (k === this.slabs.length) this.slabs.push(new Uint32Array(this.perSlab * n));
    const slab = this.slabs[k]!;
    const at = (id - k * this.perSlab) * n;
    for (let i = 0; i < n; i++) slab[at + i] = src[i]!;
    this.hashes[id] = hash;
    this.counts[id] = 1;
    this.popcounts[id] = popcount;
    this.slots[slot] = id + 1;
    if (this.size * 2 > this.slots.length) this.growSlots();
  }

  /** A second hash of filter `id`, independent of the table's: the low half of its digest. */
  digestLow(id: number): number {
    const k = Math.floor(id / this.perSlab);
    return murmur32(this.slabs[k]!, (id - k * this.perSlab) * this.words, this.words, DIGEST_SEED);
  }

  private same(id: number, src: Uint32Array): boolean {
    const n = this.words;
    const k = Math.floor(id / this.perSlab);
    const slab = this.slabs[k]!;
    const at = (id - k * this.perSlab) * n;
    for (let i = 0; i < n; i++) if (slab[at + i] !== src[i]) return false;
    return true;
  }

  private growLists(): void {
    const cap = this.hashes.length * 2;
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes);
    const counts = new Uint32Array(cap);
    counts.set(this.counts);
    const popcounts = new Uint16Array(cap);
    popcounts.set(this.popcounts);
    this.hashes = hashes;
    this.counts = counts;
    this.popcounts = popcounts;
  }

  private growSlots(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id]! & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}

class StatsReader extends EncodingsLineParser {
  private byteValueCounts = new Uint32Array(0);
  private popcountCounts = new Uint32Array(0);
  /** The record's filter copied into aligned memory, as bytes and as words. */
  private work = new Uint8Array(0);
  private workWords = new Uint32Array(0);
  private distinct: DistinctFilters | undefined;

  protected override onHeader(h: HeaderLine): void {
    this.byteValueCounts = new Uint32Array(this.bytesPerFilter * 256);
    this.popcountCounts = new Uint32Array(h.filterBits + 1);
    this.workWords = new Uint32Array(this.bytesPerFilter / 4);
    this.work = new Uint8Array(this.workWords.buffer);
    this.distinct = new DistinctFilters(this.workWords.length);
  }

  protected internKey(): number {
    return 0; // block keys play no part in these statistics
  }

  protected onRecord(): void {
    const s = this.scratch;
    const w = this.work;
    const n = this.bytesPerFilter;
    const byteValues = this.byteValueCounts;
    let pop = 0;
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      w[i] = v;
      byteValues[(i << 8) | v]!++;
      pop += POP8[v]!;
    }
    this.popcountCounts[pop]!++;
    const words = this.workWords;
    this.distinct!.add(words, murmur32(words, 0, words.length, TABLE_SEED), pop);
  }

  finish(): EncodingStats {
    const header = this.requireHeader();
    this.checkSummaryCount(this.recordCount);
    const bits = header.filterBits;
    const distinct = this.distinct!;
    const bitCounts = new Float64Array(bits);
    const byteValues = this.byteValueCounts;
    for (let i = 0; i < this.bytesPerFilter; i++) {
      for (let v = 1; v < 256; v++) {
        const c = byteValues[(i << 8) | v]!;
        if (c === 0) continue;
        for (let j = 0; j < 8; j++) if (v & (0x80 >>> j)) bitCounts[i * 8 + j]! += c;
      }
    }
    const uniqueAtPopcount = new Uint32Array(bits + 1);
    let duplicateRecords = 0;
    let duplicatedFilters = 0;
    let largest = 0;
    const digests = new BigUint64Array(distinct.size);
    const digestWords = new Uint32Array(digests.buffer);
    // Little-endian words: [2k] is the low half of digest k. Node runs on little-endian hosts only.
    for (let id = 0; id < distinct.size; id++) {
      const c = distinct.counts[id]!;
      if (c === 1) uniqueAtPopcount[distinct.popcounts[id]!]!++;
      else {
        duplicatedFilters++;
        duplicateRecords += c;
      }
      if (c > largest) largest = c;
      digestWords[2 * id] = distinct.digestLow(id);
      digestWords[2 * id + 1] = distinct.hashes[id]!;
    }
    digests.sort();
    this.distinct = undefined;
    return {
      header,
      summary: this.summary,
      records: this.recordCount,
      filterBits: bits,
      popcountCounts: this.popcountCounts,
      uniqueAtPopcount,
      bitCounts,
      distinctFilters: distinct.size,
      duplicateRecords,
      duplicatedFilters,
      largestDuplicateGroup: largest,
      digests,
    };
  }
}

/** Streams `path` once and returns its statistics; malformed lines fail with their line number. */
export async function readEncodingStats(
  path: string,
  options: EncodingStatsOptions = {},
): Promise<EncodingStats> {
  const reader = new StatsReader(path);
  // Each chunk is cut after its last newline byte and the rest carried over as bytes: a newline
  // is never inside a multi-byte character, so no character is split between two decodes.
  let carry: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const last = bytes.lastIndexOf(10);
      if (last < 0) {
        carry = bytes;
        continue;
      }
      const text = bytes.toString('utf8', 0, last + 1);
      let start = 0;
      let nl = text.indexOf('\n', start);
      while (nl !== -1) {
        reader.line(text, start, nl);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      carry = bytes.subarray(last + 1);
      options.onProgress?.(bytesRead);
    }
  } catch (err) {
    if (err instanceof CohortlinkError) throw err;
    throw unreadable(path, err);
  }
  if (carry.length > 0) {
    const text = carry.toString('utf8');
    reader.line(text, 0, text.length);
  }
  return reader.finish();
}

/** An encodings file that cannot be opened or read, with the system's error code. */
export function unreadable(path: string, err: unknown): CohortlinkError {
  const code = (err as NodeJS.ErrnoException)?.code;
  return new CohortlinkError(
    'CL_FILE_UNREADABLE',
    `cannot read encodings ${path}${code ? ` (${code})` : ''}`,
    [],
    { cause: err },
  );
}
