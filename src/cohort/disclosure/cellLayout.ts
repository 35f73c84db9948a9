/**
 * What a feasibility answer's cells are, as sets of people: the total is the eligible set E, a
 * breakdown cell is E ∩ {people in one category}, an exclusion cell is the people who met the
 * criteria (eligible or excluded) with one exclusion flag. Overlap control compares cells as
 * sets, so it needs every person's category; this module holds them and caches the per-category
 * bit masks it derives from them.
 */
import type { PeopleColumns } from '../people.js';

export const BREAKDOWNS = ['byRegion', 'byAgeBand', 'bySex'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/** Each person's category in one breakdown: `codes[p]` indexes `names`; a code outside it puts
 * the person in no cell of the breakdown. */
export interface Categorisation {
  readonly names: readonly string[];
  readonly codes: ArrayLike<number>;
}

export interface CellLayout {
  /** People in the run (the length of every mask). */
  readonly people: number;
  readonly byRegion: Categorisation;
  readonly bySex: Categorisation;
  /** Age bands move with the index date, so an earlier query is re-banded at its own date. */
  byAgeBandAt(indexDate: string): Categorisation;
  /** Exclusion reasons (1 = yes), published as `excluded.<name>` over the people who met the
   * criteria: e.g. { deceased, optedOut, byExclusionMatch }. */
  readonly exclusions: Readonly<Record<string, Uint8Array>>;
}

/** The people columns' sex codes (src/cohort/people.ts), as the feasibility route names them. */
export const SEX_NAMES = ['unknown', 'female', 'male', 'other'] as const;

/**
 * A layout over a run's linked people. Every category is listed whatever the query, including
 * 'unknown' region and sex: a breakdown that listed only non-empty categories would publish a
 * zero by leaving a key out, even with zeros suppressed.
 */
export function layoutFromPeople(
  people: PeopleColumns,
  opts: {
    /** Band names in display order, 'unknown' included if the band function can return it. */
    readonly ageBands: readonly string[];
    /** The band a person is in at an index date (the route's `ageBand`). */
    readonly ageBandOf: (person: number, indexDate: string) => string;
    readonly exclusions: Readonly<Record<string, Uint8Array>>;
  },
): CellLayout {
  const listed = people.regions.indexOf('unknown');
  const regionNames = listed >= 0 ? [...people.regions] : [...people.regions, 'unknown'];
  const unknownRegion = listed >= 0 ? listed : people.regions.length;
  const regionCodes = new Uint16Array(people.count);
  for (let p = 0; p < people.count; p++) {
    const r = people.region[p]!;
    regionCodes[p] = r < people.regions.length ? r : unknownRegion;
  }
  const bandIndex = new Map(opts.ageBands.map((b, i) => [b, i]));
  return {
    people: people.count,
    byRegion: { names: regionNames, codes: regionCodes },
    bySex: { names: SEX_NAMES, codes: people.sex },
    byAgeBandAt(indexDate) {
      const codes = new Uint8Array(people.count).fill(255);
      for (let p = 0; p < people.count; p++) codes[p] = bandIndex.get(opts.ageBandOf(p, indexDate)) ?? 255;
      return { names: opts.ageBands, codes };
    },
    exclusions: opts.exclusions,
  };
}

/** One cell's definition: which base set, and which category of which breakdown (if any). */
export interface CellSpec {
  /** Where the cell is published: 'total', 'byRegion.E54000027', 'excluded.deceased'. */
  readonly path: string;
  /** What the keyed rounding is seeded with (publishFeasibility's cell ids). */
  readonly cellId: string;
  /** 'eligible' = E; 'matched' = E ∪ the excluded (exclusion cells). */
  readonly base: 'eligible' | 'matched';
  /** Bit mask of the category (undefined = everyone, for the total). */
  readonly mask?: Uint32Array;
}

/** Index dates whose age bands stay cached per layout (each costs ~2 bytes a person). */
const DATES_KEPT = 12;
const byLayout = new WeakMap<CellLayout, CellMasks>();

/**
 * Per-category bit masks, built once per breakdown (and, for age bands, per index date) and
 * reused for every comparison and every later query over the same layout object: building them
 * is a pass over all people, comparing with them is a pass over words.
 */
export class CellMasks {
  private readonly cache = new Map<string, readonly Uint32Array[]>();
  private readonly dated = new Map<string, Categorisation>();
  private readonly specs = new Map<string, readonly CellSpec[]>();

  private constructor(readonly layout: CellLayout) {}

  /** The masks of a layout, shared by every query planned over that layout object. */
  static of(layout: CellLayout): CellMasks {
    let m = byLayout.get(layout);
    if (m === undefined) {
      m = new CellMasks(layout);
      byLayout.set(layout, m);
    }
    return m;
  }

  /** Every cell of an answer at this index date, in a fixed, data-independent order. */
  cells(indexDate: string): readonly CellSpec[] {
    let out = this.specs.get(indexDate);
    if (out === undefined) {
      if (this.specs.size >= DATES_KEPT) this.forgetOldestDate();
      out = this.buildCells(indexDate);
      this.specs.set(indexDate, out);
    }
    return out;
  }

  /** Maps iterate in insertion order, so the first date is the one cached longest ago. */
  private forgetOldestDate(): void {
    const date = this.specs.keys().next().value!;
    this.specs.delete(date);
    this.dated.delete(`categorisation:${date}`);
    this.cache.delete(`byAgeBand:${date}`);
  }

  private buildCells(indexDate: string): CellSpec[] {
    const out: CellSpec[] = [{ path: 'total', cellId: 'total', base: 'eligible' }];
    for (const dim of BREAKDOWNS) {
      const { names } = this.categorisation(dim, indexDate);
      const masks = this.masks(dim, indexDate);
      for (const i of sortedIndexes(names))
        out.push({
          path: `${dim}.${names[i]}`,
          cellId: `${dim}:${names[i]}`,
          base: 'eligible',
          mask: masks[i]!,
        });
    }
    for (const name of Object.keys(this.layout.exclusions).sort())
      out.push({
        path: `excluded.${name}`,
        cellId: `excluded:${name}`,
        base: 'matched',
        mask: this.flagMask(name),
      });
    return out;
  }

  /** The spec of a cell published earlier at `indexDate`, or undefined if the layout no longer
   * has its category (see the document: attributes re-uploaded since). */
  cell(path: string, indexDate: string): CellSpec | undefined {
    return this.cells(indexDate).find((c) => c.path === path);
  }

  categorisation(dim: Breakdown, indexDate: string): Categorisation {
    if (dim === 'byAgeBand') {
      const key = `categorisation:${indexDate}`;
      let c = this.dated.get(key);
      if (c === undefined) {
        c = this.layout.byAgeBandAt(indexDate);
        this.dated.set(key, c);
      }
      return c;
    }
    return this.layout[dim];
  }

  private masks(dim: Breakdown, indexDate: string): readonly Uint32Array[] {
    const key = dim === 'byAgeBand' ? `${dim}:${indexDate}` : dim;
    let m = this.cache.get(key);
    if (m === undefined) {
      const { names, codes } = this.categorisation(dim, indexDate);
      const words = (this.layout.people + 31) >>> 5;
      const built = names.map(() => new Uint32Array(words));
      for (let p = 0; p < this.layout.people; p++) {
        const mask = built[codes[p]!];
        if (mask !== undefined) mask[p >>> 5]! |= 1 << (p & 31);
      }
      m = built;
      this.cache.set(key, m);
    }
    return m;
  }

  private flagMask(name: string): Uint32Array {
    const key = `excluded:${name}`;
    let m = this.cache.get(key);
    if (m === undefined) {
      const flags = this.layout.exclusions[name]!;
      const mask = new Uint32Array((this.layout.people + 31) >>> 5);
      for (let p = 0; p < this.layout.people; p++) if (flags[p] === 1) mask[p >>> 5]! |= 1 << (p & 31);
      m = [mask];
      this.cache.set(key, m);
    }
    return m[0]!;
  }
}

/** Category order as publishFeasibility sorts keys, so processing order matches the output's. */
function sortedIndexes(names: readonly string[]): number[] {
  return names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
}
