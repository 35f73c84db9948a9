import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import {
  FilterStore,
  isSortedByPopcount,
  popcountOrder,
  selectKernel,
  sharedAllocator,
  sortByPopcount,
} from '../../src/matching/kernel/index.js';
import { buildFilters, LENGTHS } from './arbitraries.js';

function bitsSet(bytes: Uint8Array): number {
  let n = 0;
  for (const byte of bytes) for (let b = 0; b < 8; b++) n += (byte >>> b) & 1;
  return n;
}

const filters = fc
  .tuple(
    fc.constantFrom(...LENGTHS),
    fc.array(
      fc.record({
        kind: fc.constant('random' as const),
        density: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.integer(),
      }),
      {
        maxLength: 12,
      },
    ),
  )
  .map(([bits, specs]) => ({ bits, bytes: buildFilters(specs, bits) }));

describe('FilterStore', () => {
  it('keeps base64 CLKs byte for byte, with their popcounts', () => {
    fc.assert(
      fc.property(filters, ({ bits, bytes }) => {
        const clks = bytes.map((b) => Buffer.from(b).toString('base64'));
        const store = FilterStore.fromBase64(clks, { bits });
        expect(store.count).toBe(bytes.length);
        bytes.forEach((b, i) => {
          expect(store.filter(i)).toEqual(b);
          expect(store.popcounts[i]).toBe(bitsSet(b));
        });
      }),
    );
  });

  it('lives where its allocator puts it: plain, shared, or the WASM kernel’s memory', () => {
    const bytes = buildFilters([{ kind: 'full' }, { kind: 'empty' }], 512);
    expect(FilterStore.fromBytes(bytes).words.buffer).toBeInstanceOf(ArrayBuffer);
    expect(FilterStore.fromBytes(bytes, { allocator: sharedAllocator }).words.buffer).toBeInstanceOf(
      SharedArrayBuffer,
    );
    const wasm = selectKernel('wasm');
    const inWasm = FilterStore.fromBytes(bytes, { allocator: wasm.allocator });
    expect(inWasm.byteOffset % 64).toBe(0);
    expect(inWasm.popcounts[0]).toBe(512);
    // The same bytes, seen through the WASM memory itself.
    const memory = (wasm.allocator as unknown as { memory: { buffer: SharedArrayBuffer } }).memory;
    expect(new Uint8Array(memory.buffer, inWasm.byteOffset, 64)).toEqual(bytes[0]);
  });

  it('attaches to a shared store without copying (as a worker thread would)', () => {
    const store = FilterStore.fromBytes(buildFilters([{ kind: 'random', density: 0.4, seed: 3 }], 1024), {
      allocator: sharedAllocator,
    });
    const view = FilterStore.attach(store.describe());
    store.set(0, new Uint8Array(128).fill(1));
    expect(view.filter(0)).toEqual(new Uint8Array(128).fill(1));
    expect(view.popcounts[0]).toBe(128);
  });

  it('refuses malformed CLKs, naming each one', () => {
    const good = Buffer.alloc(16, 7).toString('base64');
    let error: CohortlinkError | undefined;
    try {
      FilterStore.fromBase64([good, 'not base64!', good, `${good}x`]);
    } catch (e) {
      error = e as CohortlinkError;
    }
    expect(error).toBeInstanceOf(CohortlinkError);
    expect(error!.code).toBe('CL_USAGE');
    expect(error!.issues.map((i) => i.path)).toEqual(['clks[1]', 'clks[3]']);
    expect(() => FilterStore.fromBase64([good, Buffer.alloc(8).toString('base64')])).toThrow(
      /differ in length/,
    );
    expect(() => FilterStore.fromBase64([Buffer.alloc(12).toString('base64')])).toThrow(/multiple of 64/);
  });

  it('sorts by popcount with a stable permutation and maps positions back', () => {
    fc.assert(
      fc.property(filters, ({ bits, bytes }) => {
        const store = FilterStore.fromBytes(bytes, { bits });
        const order = popcountOrder(store);
        const sorted = sortByPopcount(store);
        expect(Array.from(sorted.order)).toEqual(Array.from(order));
        expect(isSortedByPopcount(sorted.store, 0, sorted.store.count)).toBe(true);
        for (let p = 0; p < order.length; p++) {
          expect(sorted.store.filter(p)).toEqual(store.filter(order[p]!));
          if (p > 0 && store.popcounts[order[p]!] === store.popcounts[order[p - 1]!])
            expect(order[p]!).toBeGreaterThan(order[p - 1]!);
        }
      }),
    );
  });

  it('refuses an order that is not a permutation', () => {
    const store = FilterStore.allocate(3, 64);
    for (const order of [
      [0, 1],
      [0, 1, 1],
      [0, 1, 3],
    ])
      expect(() => store.permuted(Uint32Array.from(order))).toThrow(CohortlinkError);
  });

  it('recounts after direct writes and refuses bad indices', () => {
    const store = FilterStore.allocate(2, 64);
    store.words[2] = 0xffffffff;
    store.recount();
    expect(Array.from(store.popcounts)).toEqual([0, 32]);
    expect(() => store.filter(2)).toThrow(CohortlinkError);
    expect(() => store.set(0, new Uint8Array(7))).toThrow(CohortlinkError);
  });
});
