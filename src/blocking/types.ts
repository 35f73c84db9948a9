/**
 * The block index: what the scoring stage reads to know which pairs to compare. Built once per
 * run on the main thread (src/blocking/buildIndex.ts) in SharedArrayBuffers, so worker threads
 * read it without a copy.
 *
 * One pass per blocking rule (a keyed block key from the encodings, or one LSH band). A pair
 * (left i, right j) is a candidate when, in any pass, both records carry the same block id.
 * Passes are unioned by the scorer, which deduplicates j per left row.
 */

export type PassKind = 'key' | 'lsh';

export interface BlockPass {
  /** e.g. 'fn_sdx_yob' or 'lsh:3'. */
  readonly name: string;
  readonly kind: PassKind;
  /** Per left record: its block id in this pass, or -1 (no key, or its block was capped). */
  readonly leftBlock: Int32Array;
  /**
   * CSR of right records by block id: block b holds rightMembers[rightOffsets[b] ..
   * rightOffsets[b + 1]), in ascending record order. Length blocks + 1.
   */
  readonly rightOffsets: Uint32Array;
  readonly rightMembers: Uint32Array;
  /**
   * CSR of left records by block id, as the right side's (same block ids, ascending record
   * order, capped blocks empty). The block-wise scorer reads a block's left members from it.
   * Under self-linking these are the same arrays as rightOffsets and rightMembers.
   */
  readonly leftOffsets: Uint32Array;
  readonly leftMembers: Uint32Array;
  /**
   * Per right record: its block id in this pass, or -1 (no key, or its block was capped); the
   * right side's counterpart of leftBlock (the same array under self-linking). The block-wise
   * scorer uses it to tell whether an earlier pass already put a pair forward.
   */
  readonly rightBlock: Int32Array;
}

export interface BlockIndex {
  readonly leftCount: number;
  readonly rightCount: number;
  /**
   * Deduplication within one dataset: left and right are the same records and only pairs with
   * j > i are candidates.
   */
  readonly selfLink: boolean;
  readonly passes: readonly BlockPass[];
}

/*
 * What blocking reads of a dataset. Blocking sits below matching in the data flow, so it
 * states the little it needs here; matching's EncodedDataset and FilterStore have these shapes
 * and are passed in as they are.
 */

/** A dataset's filters: `count` filters of `bits` bits, `bytesPerFilter` bytes apart in `bytes`. */
export interface BlockingFilters {
  readonly count: number;
  readonly bits: number;
  readonly bytesPerFilter: number;
  readonly bytes: Uint8Array;
  /** Per filter, its number of set bits. */
  readonly popcounts: Uint16Array;
}

/** A dataset's distinct keys of one block key, by dense id, as 64-bit hashes (hi, lo). */
export interface BlockKeyTable {
  readonly size: number;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** The id of the key with this hash, or -1. */
  lookup(hi: number, lo: number): number;
}

export interface BlockingKeyColumn {
  /** Per record: the id of its key in `keys`, or -1 when the record has no key. */
  readonly ids: Int32Array;
  readonly keys: BlockKeyTable;
}

export interface BlockingRecords {
  /** The block keys the dataset's encodings carry, by name. */
  readonly header: { readonly blockKeys: readonly string[] };
  readonly store: BlockingFilters;
  readonly blockKeys: ReadonlyMap<string, BlockingKeyColumn>;
}
