/**
 * Every size limit and tuning default of the Dice kernels, in one place. Limits exist so an
 * untrusted count (a filter length from an upload header, a k from a request) is refused or
 * clamped before anything is allocated from it.
 */
export const KERNEL_LIMITS = {
  /** Longest filter accepted, in bits. Popcounts are stored as Uint16, and CLKs are 512–4096 bits. */
  maxFilterBits: 16_384,
  /** Most filters one store may hold (2^25 ≈ 33.5 million). */
  maxFilters: 1 << 25,
  /** Most bytes one store may occupy (filters + popcounts): 2 GiB, half a 32-bit WASM memory. */
  maxStoreBytes: 2 ** 31,
  /** Largest k for top-k: beyond this a caller wants all candidates, not a ranking. */
  maxTopK: 1024,
  /** First capacity of a CandidateBuffer, in pairs (16 bytes each with Float64 scores). */
  initialCandidateCapacity: 1024,
  /** Most pairs a CandidateBuffer may hold (2^26 pairs = 1 GiB); past it the caller must raise t or use top-k. */
  maxCandidateCapacity: 1 << 26,
} as const;

/** Tuning of the calls into the WASM and TS kernels; measured on the 2-core EPYC dev machine. */
export const KERNEL_TUNING = {
  /**
   * Most pair comparisons per WASM call (≈ 0.25 ms at 250 M/s). Short calls let V8 swap in its
   * optimised tier early (a call stays in the baseline tier until it returns) and bound the
   * staging area for candidates: at most this many pairs × 12 bytes.
   */
  pairsPerCall: 1 << 16,
  /** Most row segments (one A row × a window of B) described per WASM call. */
  segmentsPerCall: 4096,
  /** Most B filters one TS row call scans; bounds the TS kernel's staging arrays. */
  tsSegmentLength: 1 << 16,
} as const;
