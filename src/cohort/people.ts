/** Linked people as columns (one index per person = per linkage key), built from every dataset's attributes through the linkage keys. */
export interface PeopleColumns {
  readonly count: number;
  readonly birthYear: Int16Array; // 0 = unknown
  readonly birthMonth: Uint8Array; // 1..12, 0 = unknown
  readonly sex: Uint8Array; // 0 unknown, 1 female, 2 male, 3 other
  readonly region: Uint16Array; // index into regions, 0xffff = unknown
  readonly regions: readonly string[]; // region codes, e.g. NHS England region / ICB codes
  readonly deceased: Uint8Array; // 1 = deceased (any dataset says so)
  readonly deathDay: Int32Array; // days since 1970-01-01, or -1
  readonly optedOut: Uint8Array; // 1 = in an opt-out register
}
/** Coded clinical events, sorted by person then day; CSR by person. */
export interface EventColumns {
  readonly count: number;
  readonly personOffsets: Uint32Array; // length people + 1
  readonly system: Uint8Array; // index into CODE_SYSTEMS
  readonly code: Uint32Array; // index into codes (interned strings per system)
  readonly codes: readonly string[]; // interned code strings (all systems), normalised (upper case, no dots for ICD-10)
  readonly day: Int32Array; // days since 1970-01-01
  readonly dataset: Uint16Array; // index into datasets
  readonly datasets: readonly string[];
}
export const CODE_SYSTEMS = ['ICD-10', 'OPCS-4', 'SNOMED-CT', 'dm+d'] as const;
