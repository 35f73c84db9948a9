import type { TokenHasher } from './hashers.js';
import type { Tokeniser } from './tokenise.js';

/**
 * An EncodingPlan is what both schema formats (cohortlink's own and clkhash v3) compile to:
 * everything the hot path needs, already resolved — columns, preparation functions, tokenisers,
 * keyed hashers, bit budgets, block-key recipes and hardening. Nothing in it is re-read from
 * JSON per record.
 */

/** A field after validation/normalisation. Components are named views of the value (e.g. a
 * postcode's `outward`); `missing` may still carry components when a schema substitutes a
 * replacement value for missing data (clkhash `replaceWith`). */
export type Prepared =
  | { readonly kind: 'present'; readonly components: Readonly<Record<string, string>> }
  | { readonly kind: 'missing'; readonly components?: Readonly<Record<string, string>> }
  | { readonly kind: 'invalid'; readonly reason: string };

export type BitsStrategy = { readonly perToken: number } | { readonly perFeature: number };

export interface FeaturePlan {
  readonly component: string;
  readonly tokenise: Tokeniser;
  /** Set when the tokeniser is a padded q-gram with q = 1 (positional or not) or q = 2 (not
   * positional): the encoder then walks tokens as integer keys without building strings. */
  readonly gram?: { readonly q: 1 | 2; readonly positional: boolean };
  readonly bits: BitsStrategy;
  readonly hasher: TokenHasher;
}

export interface FieldPlan {
  readonly column: string;
  readonly prepare: (raw: string) => Prepared;
  readonly features: readonly FeaturePlan[];
}

export interface BlockKeyPart {
  readonly column: string;
  /** Derives the blocking value from the prepared field; undefined when it cannot (missing). */
  readonly derive: (p: Prepared) => string | undefined;
}

export interface BlockKeyPlan {
  readonly name: string;
  readonly parts: readonly BlockKeyPart[];
  /** Keyed MAC of the joined part values; returns the opaque key written to the output. */
  readonly mac: (joined: string) => string;
}

export interface HardeningPlan {
  /** Salt every token of every feature with a stable component of one field (e.g. birth year). */
  readonly saltColumn?: string;
  readonly saltComponent?: string;
  readonly balance?: { readonly permutation: Uint32Array };
  readonly bitFlip?: { readonly probability: number; readonly seedKey: Uint8Array };
}

export interface EncodingPlan {
  readonly source: 'cohortlink' | 'clkhash-v3';
  /** Bits hashed into before folding. */
  readonly hashBits: number;
  readonly xorFolds: number;
  /** Bits in the emitted filter (after folding and balancing). */
  readonly filterBits: number;
  /** Columns that are not identifiers (e.g. a clkhash `ignored` field) but must exist in the CSV. */
  readonly requiredColumns: readonly string[];
  readonly fields: readonly FieldPlan[];
  readonly blocking: readonly BlockKeyPlan[];
  readonly hardening: HardeningPlan;
  readonly schemaFingerprint: string;
  readonly keyFingerprint: string;
  readonly warnings: readonly string[];
}
