/**
 * Which records of a run are linked, from the run's keys files: a record is linked when its
 * linkage key is held by a record of another dataset (with one dataset, by another record).
 *
 * At a million records per dataset, maps of ref → key, a map of key → holder and a set of shared
 * keys took seconds and most of a gigabyte. Here keys are packed into numbers as they are read
 * and matched in an open-addressing table on typed arrays; the one table of strings left per
 * dataset is ref → row (RefRows), which the attributes reader takes as its known refs and
 * answers with rows. Keys never leave this module.
 */
import { existsSync } from 'node:fs';
import type { KnownRefRows } from '../cohort/attributes/readAttributes.js';
import { RefRows } from '../cohort/attributes/refRows.js';
import { CohortlinkError } from '../errors.js';
import { eachKeyRow } from '../matching/keys/keyFiles.js';

export interface LinkedRecords {
  /** Record ref → row, in the keys file's order (a repeated ref keeps its first row and last key). */
  readonly rowOfRef: KnownRefRows;
  /** 1 where the row's record is linked. */
  readonly linked: Uint8Array;
}

/**
 * A linkage key is `lk_` and 26 Crockford base-32 digits (keyFiles.ts checks each one before a
 * row is visited): 130 bits, packed six digits to a word.
 */
const KEY_PREFIX = 3;
const KEY_DIGITS = 26;
const DIGITS_PER_WORD = 6;
const KEY_WORDS = Math.ceil(KEY_DIGITS / DIGITS_PER_WORD);
const DIGIT_VALUE = new Uint8Array(128);
for (const [v, c] of [...'0123456789abcdefghjkmnpqrstvwxyz'].entries()) DIGIT_VALUE[c.charCodeAt(0)] = v;

const NO_HOLDER = -2;
const SHARED = -1;

export function linkedRecords(datasets: readonly { dataset: string; keysPath: string }[]): LinkedRecords[] {
  const keys = new PackedKeys();
  const rowOfRefs = datasets.map((d, position) => readKeyRows(d.dataset, d.keysPath, position, keys));
  const holder = holders(keys, rowOfRefs.length === 1);
  let start = 0;
  return rowOfRefs.map((rowOfRef) => {
    const linked = new Uint8Array(rowOfRef.size);
    for (let r = 0; r < linked.length; r++) linked[r] = holder[start + r] === SHARED ? 1 : 0;
    start += linked.length;
    return { rowOfRef, linked };
  });
}

/** Every dataset's keys, one row after another, KEY_WORDS words a row. */
class PackedKeys {
  words = new Uint32Array(KEY_WORDS * 1024);
  rows = 0;
  /** Dataset position of each row. */
  dataset = new Int32Array(1024);

  push(key: string, dataset: number): number {
    if (this.rows === this.dataset.length) {
      const words = new Uint32Array(this.words.length * 2);
      words.set(this.words);
      this.words = words;
      const ds = new Int32Array(this.dataset.length * 2);
      ds.set(this.dataset);
      this.dataset = ds;
    }
    this.dataset[this.rows] = dataset;
    this.set(this.rows, key);
    return this.rows++;
  }

  set(row: number, key: string): void {
    let at = row * KEY_WORDS;
    for (let first = KEY_PREFIX; first < KEY_PREFIX + KEY_DIGITS; first += DIGITS_PER_WORD) {
      const end = Math.min(first + DIGITS_PER_WORD, KEY_PREFIX + KEY_DIGITS);
      let w = 0;
      for (let c = first; c < end; c++) w = (w << 5) | DIGIT_VALUE[key.charCodeAt(c)]!;
      this.words[at++] = w;
    }
  }

  hash(row: number): number {
    const at = row * KEY_WORDS;
    let h = 0;
    for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ this.words[at + i]!, 0x9e3779b1);
    return h ^ (h >>> 15);
  }

  same(a: number, b: number): boolean {
    const x = a * KEY_WORDS;
    const y = b * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (this.words[x + i] !== this.words[y + i]) return false;
    return true;
  }
}

/**
 * For each row: SHARED when its key is held by a row of another dataset (one dataset: by
 * another row), else the position of the key's only holding dataset.
 */
function holders(keys: PackedKeys, single: boolean): Int32Array {
  // Linear probing kept under two-thirds full: a power of two at least 1.5 × the rows.
  let capacity = 16;
  while (capacity < keys.rows + (keys.rows >> 1)) capacity *= 2;
  const mask = capacity - 1;
  const firstRow = new Int32Array(capacity).fill(-1);
  const holder = new Int32Array(capacity).fill(NO_HOLDER);
  const slotOfRow = new Int32Array(keys.rows);
  for (let r = 0; r < keys.rows; r++) {
    let s = keys.hash(r) & mask;
    while (firstRow[s] !== -1 && !keys.same(firstRow[s]!, r)) s = (s + 1) & mask;
    const d = keys.dataset[r]!;
    const h = holder[s]!;
    if (h === NO_HOLDER) {
      firstRow[s] = r;
      holder[s] = d;
    } else if (h !== SHARED && (single || h !== d)) holder[s] = SHARED;
    slotOfRow[r] = s;
  }
  const out = new Int32Array(keys.rows);
  for (let r = 0; r < keys.rows; r++) out[r] = holder[slotOfRow[r]!]!;
  return out;
}

function readKeyRows(dataset: string, path: string, position: number, keys: PackedKeys): RefRows {
  // eachKeyRow treats a missing file as "no keys yet" (right for a first run); here it is an error.
  if (!existsSync(path))
    throw new CohortlinkError('CL_FILE_UNREADABLE', `the keys file of ${dataset} is missing: ${path}`, [
      { path, message: 'not found (the <dataset>.keys.csv that cohortlink link wrote)' },
    ]);
  const start = keys.rows;
  const rowOfRef = new RefRows();
  eachKeyRow(path, (ref, key) => {
    const row = rowOfRef.add(ref);
    if (start + row === keys.rows) keys.push(key, position);
    else keys.set(start + row, key);
  });
  return rowOfRef;
}
