// The block-scoring kernels (used by src/matching/score/blockScorer.ts), as WebAssembly text.
// Besides the popcounts they do, per pair, the work that used to follow them in TypeScript: the
// exactly-once test across blocking passes, the counts, and (top-k) the selection of each left
// row's k best. At floor 0.5 about half of the blocked pairs reach the floor, so that per-pair
// bookkeeping in TypeScript cost more than the popcounts did.
//
// Every function has the same signature and contract:
//   (aPtr, aPop, bPtr, bPop, rec, seg, segEnd, need, out, heap, kBest, table, state, rowBytes)
//     -> records written to out
//   aPtr/aPop: the left store's filters and Uint16 popcounts (segments name global left rows).
//   bPtr/bPop: the gathered right filters and popcounts, by gathered position.
//   rec:       Uint32 per gathered position: its right record (what is written out, and what
//              breaks ties).
//   seg..segEnd: segments, one after another, each {i, jStart, jEnd, lo | hi << 16,
//              flags | nq << 8} then nq pairs {idsAddr, block}: compare left row i with the
//              positions [jStart, jEnd), skipping those whose popcount is outside [lo, hi], and
//              those with Int32 at idsAddr + 4·position equal to `block` for any listed pair (an
//              earlier pass put that pair forward). Flags: FIRST = the row's first segment,
//              LAST = its last (a row's segments come in order, possibly over several calls).
//   need:      Int32 table, need[|a|+|b|] = fewest common bits for Dice >= the floor.
//   `*_all`:   out gets {i, j, c, s} (Uint32 each; j the right record, Dice = 2c/s, 0 when
//              s = 0) for every pair at or above the floor; room: one per pair of the call, + 1.
//              heap, kBest, table and state are unused.
//   `*_topk`:  heap (room for kBest records) holds the current row's best so far: in arrival
//              order until it holds kBest, a heap (worst on top) from then on. A row carries
//              over from call to call in the global heapSize. When a row's LAST segment is
//              done its records go either
//                - with table = 0, to out as {i, j, c, s} (room: the call's pairs + kBest);
//                - else into the row's kBest slots of the shared table, from table + 8·kBest·i
//                  (arrival order until full, a heap from then on), their count in the Int32
//                  state[i], whose top bit is the row's lock: threads sharing the table may
//                  merge into the same row. Once the table row is full its worst is a floor for
//                  the row's later passes: a pair below it cannot be among the row's k best of
//                  all passes, so it is skipped.
// Left in globals: `candidates` (pairs scanned that no earlier pass put forward) and `compared`
// (of those, the ones inside the popcount bound).
//
// Records of heaps and table: 8 bytes {c | s << 16, j}, s = |a|+|b|. Ranking: better = higher
// Dice, then lower right record (as TopKSelector). Dice values are compared as fractions, c1·s2
// against c2·s1, not divided: filters have at most 2^14 bits (KERNEL_LIMITS.maxFilterBits), so c
// and s fit 16 bits, the products 32, and two different fractions with s <= 2^15 differ by at
// least 2^-30, far more than double rounding can move them: the products order exactly as the
// doubles 2c/s do, and are equal exactly when they are. Only records of one left row are ever
// compared, so s = 0 (two empty filters, Dice 0) comes with |a| = 0, where every pair of the
// row has c = 0: all products are 0 and every pair ties, as their Dice do.

import { leftRow, loopedCommon, unrolledCommon } from './commonWat.mjs';

const FIRST = 1;
const LAST = 2;
const LOCK = '0x80000000';
const COUNT = '0x7fffffff';

export const BLOCK_GLOBALS = `  (global $candidates (export "candidates") (mut i32) (i32.const 0))
  (global $heapSize (mut i32) (i32.const 0))`;

/** The kernels for these specialised lengths (in 64-bit words) and any length, both modes, and the heap helpers. */
export function blockKernels(specialised) {
  const fns = [HEAP_HELPERS];
  for (const w of [...specialised, 0]) {
    const suffix = w > 0 ? `w${w}` : 'any';
    fns.push(
      blockKernel(`block_${suffix}_all`, w, false),
      blockKernel(`block_${suffix}_topk`, w, true),
      gatherKernel(`gather_${suffix}`, w),
    );
  }
  return fns.join('\n');
}

/**
 * (rec, from, to, src, srcPop, dst, dstPop, rowBytes): copies the filter and popcount of right
 * record rec[x] to gathered position x, for x in [from, to). Each position's loads are
 * independent of the others', so the random reads overlap (a loop in TypeScript, with its
 * bounds checks, kept far fewer of them in flight).
 */
function gatherKernel(name, words) {
  const stride = words > 0 ? `(i32.const ${words * 8})` : '(local.get $rowBytes)';
  const copy =
    words > 0
      ? Array.from(
          { length: words },
          (_, k) => `(i64.store offset=${k * 8} (local.get $d) (i64.load offset=${k * 8} (local.get $s)))`,
        ).join('\n          ')
      : `(local.set $k (i32.const 0))
          (loop $word
            (i64.store (i32.add (local.get $d) (local.get $k)) (i64.load (i32.add (local.get $s) (local.get $k))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br_if $word (i32.lt_u (local.get $k) (local.get $rowBytes))))`;
  return `
  (func $${name} (export "${name}")
    (param $rec i32) (param $from i32) (param $to i32) (param $src i32) (param $srcPop i32)
    (param $dst i32) (param $dstPop i32) (param $rowBytes i32)
    (local $x i32) (local $j i32) (local $s i32) (local $d i32) (local $k i32)
    (local.set $x (local.get $from))
    (local.set $d (i32.add (local.get $dst) (i32.mul (local.get $from) ${stride})))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $to)))
        (local.set $j (i32.load (i32.add (local.get $rec) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $j) ${stride})))
        ${copy}
        (i32.store16 (i32.add (local.get $dstPop) (i32.shl (local.get $x) (i32.const 1)))
          (i32.load16_u (i32.add (local.get $srcPop) (i32.shl (local.get $j) (i32.const 1)))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (local.set $d (i32.add (local.get $d) ${stride}))
        (br $next))))`;
}

/**
 * i32: whether record (cs1, j1) ranks below (cs2, j2), the records' parts in locals. Inlined
 * where used: V8 does not inline WASM calls, and the heap loops are mostly this test.
 */
function worse(cs1, j1, cs2, j2) {
  const c = (cs) => `(i32.and (local.get ${cs}) (i32.const 0xffff))`;
  const s = (cs) => `(i32.shr_u (local.get ${cs}) (i32.const 16))`;
  const l = `(i32.mul ${c(cs1)} ${s(cs2)})`;
  const r = `(i32.mul ${c(cs2)} ${s(cs1)})`;
  return `(i32.or (i32.lt_u ${l} ${r})
              (i32.and (i32.eq ${l} ${r}) (i32.gt_u (local.get ${j1}) (local.get ${j2}))))`;
}

/**
 * Heaps of 8-byte records, worst on top. Only a pair that enters a row's k calls these, which
 * on a long row is a small share of its pairs.
 */
const HEAP_HELPERS = `
  ;; Moves the record at index $at down (heap of $size) while a child ranks below it.
  (func $siftDown (param $heap i32) (param $at i32) (param $size i32)
    (local $cs i32) (local $j i32) (local $child i32) (local $cp i32) (local $ap i32)
    (local $ccs i32) (local $cj i32) (local $rcs i32) (local $rj i32)
    (local.set $ap (i32.add (local.get $heap) (i32.shl (local.get $at) (i32.const 3))))
    (local.set $cs (i32.load (local.get $ap)))
    (local.set $j (i32.load offset=4 (local.get $ap)))
    (block $stop
      (loop $down
        (local.set $child (i32.add (i32.shl (local.get $at) (i32.const 1)) (i32.const 1)))
        (br_if $stop (i32.ge_u (local.get $child) (local.get $size)))
        (local.set $cp (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 3))))
        (local.set $ccs (i32.load (local.get $cp)))
        (local.set $cj (i32.load offset=4 (local.get $cp)))
        (if (i32.lt_u (i32.add (local.get $child) (i32.const 1)) (local.get $size))
          (then
            (local.set $rcs (i32.load offset=8 (local.get $cp)))
            (local.set $rj (i32.load offset=12 (local.get $cp)))
            (if ${worse('$rcs', '$rj', '$ccs', '$cj')}
              (then
                (local.set $child (i32.add (local.get $child) (i32.const 1)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 8)))
                (local.set $ccs (local.get $rcs))
                (local.set $cj (local.get $rj))))))
        (br_if $stop (i32.eqz ${worse('$ccs', '$cj', '$cs', '$j')}))
        (i64.store (local.get $ap) (i64.load (local.get $cp)))
        (local.set $at (local.get $child))
        (local.set $ap (local.get $cp))
        (br $down)))
    (i32.store (local.get $ap) (local.get $cs))
    (i32.store offset=4 (local.get $ap) (local.get $j)))

  ;; Locks table row state $addr (spinning while another thread holds it); returns its count.
  (func $lockRow (param $addr i32) (result i32)
    (local $old i32)
    (loop $spin
      (local.set $old (i32.atomic.rmw.or (local.get $addr) (i32.const ${LOCK})))
      (br_if $spin (i32.and (local.get $old) (i32.const ${LOCK}))))
    (local.get $old))

  ;; Makes records [0, $size) of $heap a heap (bottom-up: O(size)).
  (func $heapify (param $heap i32) (param $size i32)
    (local $at i32)
    (local.set $at (i32.shr_u (local.get $size) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $at)))
        (local.set $at (i32.sub (local.get $at) (i32.const 1)))
        (call $siftDown (local.get $heap) (local.get $at) (local.get $size))
        (br $next))))

  ;; Merges records [0, $hs) of $heap (any order) into the table row at $row ($count records in
  ;; use, count in state $addr, which the caller has locked), then unlocks it. A row is kept in
  ;; arrival order until it holds $k, and a heap from then on (its worst is then a floor): records
  ;; that fit are appended, the row made a heap when they fill it, and the rest replace its worst
  ;; when better.
  (func $mergeRow (param $heap i32) (param $hs i32) (param $row i32) (param $addr i32) (param $count i32) (param $k i32)
    (local $e i32) (local $end i32) (local $cs i32) (local $j i32) (local $tcs i32) (local $tj i32) (local $was i32)
    (local.set $e (local.get $heap))
    (local.set $end (i32.add (local.get $heap) (i32.shl (local.get $hs) (i32.const 3))))
    (local.set $was (local.get $count))
    (block $appended
      (loop $append
        (br_if $appended (i32.ge_u (local.get $e) (local.get $end)))
        (br_if $appended (i32.ge_u (local.get $count) (local.get $k)))
        (i64.store (i32.add (local.get $row) (i32.shl (local.get $count) (i32.const 3))) (i64.load (local.get $e)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br $append)))
    (if (i32.and (i32.eq (local.get $count) (local.get $k)) (i32.lt_u (local.get $was) (local.get $k)))
      (then (call $heapify (local.get $row) (local.get $count))))
    (block $merged
      (loop $next
        (br_if $merged (i32.ge_u (local.get $e) (local.get $end)))
        (local.set $cs (i32.load (local.get $e)))
        (local.set $j (i32.load offset=4 (local.get $e)))
        (local.set $tcs (i32.load (local.get $row)))
        (local.set $tj (i32.load offset=4 (local.get $row)))
        (if ${worse('$tcs', '$tj', '$cs', '$j')}
          (then
            (i64.store (local.get $row) (i64.load (local.get $e)))
            (call $siftDown (local.get $row) (i32.const 0) (local.get $k))))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br $next)))
    (i32.atomic.store (local.get $addr) (local.get $count)))`;

/** Keeps every pair at or above the floor: written whether or not it is, the cursor moved only if it is. */
const KEEP_ALL = `(local.set $keep (i32.ge_u (local.get $ci)
                (i32.load (i32.add (local.get $needRow) (i32.shl (local.get $pb) (i32.const 2))))))
              (i32.store (local.get $out) (local.get $i))
              (i32.store offset=4 (local.get $out) (i32.load (i32.add (local.get $rec) (local.get $x4))))
              (i32.store offset=8 (local.get $out) (local.get $ci))
              (i32.store offset=12 (local.get $out) (local.get $s))
              (local.set $out (i32.add (local.get $out) (i32.shl (local.get $keep) (i32.const 4))))
              (local.set $n (i32.add (local.get $n) (local.get $keep)))`;

/** Sets the bar to the top of the heap at `heap` (a local). */
const barFrom = (heap) => `(local.set $barOn (i32.const 1))
              (local.set $barCS (i32.load (local.get ${heap})))
              (local.set $barC (i32.and (local.get $barCS) (i32.const 0xffff)))
              (local.set $barS (i32.shr_u (local.get $barCS) (i32.const 16)))
              (local.set $barJ (i32.load offset=4 (local.get ${heap})))`;

/**
 * Offers the pair to the row's heap. A pair must beat the bar when there is one (the heap's
 * worst once it is full, else the table row's worst once that is full: either is at or above
 * the floor, so the floor test is implied), else reach the floor.
 */
const KEEP_TOPK = `(if (local.get $barOn)
                (then
                  (local.set $l (i32.mul (local.get $ci) (local.get $barS)))
                  (local.set $r (i32.mul (local.get $barC) (local.get $s)))
                  (br_if $skip (i32.lt_u (local.get $l) (local.get $r)))
                  (local.set $jr (i32.load (i32.add (local.get $rec) (local.get $x4))))
                  (br_if $skip (i32.and (i32.eq (local.get $l) (local.get $r))
                    (i32.gt_u (local.get $jr) (local.get $barJ)))))
                (else
                  (br_if $skip (i32.lt_u (local.get $ci)
                    (i32.load (i32.add (local.get $needRow) (i32.shl (local.get $pb) (i32.const 2))))))
                  (local.set $jr (i32.load (i32.add (local.get $rec) (local.get $x4))))))
              (local.set $cs (i32.or (local.get $ci) (i32.shl (local.get $s) (i32.const 16))))
              (if (local.get $full)
                (then
                  (i32.store (local.get $heap) (local.get $cs))
                  (i32.store offset=4 (local.get $heap) (local.get $jr))
                  (call $siftDown (local.get $heap) (i32.const 0) (local.get $hs))
                  ${barFrom('$heap')})
                (else
                  ;; Not full: appended in any order, made a heap once full (the bar is not its worst till then).
                  (local.set $l (i32.add (local.get $heap) (i32.shl (local.get $hs) (i32.const 3))))
                  (i32.store (local.get $l) (local.get $cs))
                  (i32.store offset=4 (local.get $l) (local.get $jr))
                  (local.set $hs (i32.add (local.get $hs) (i32.const 1)))
                  (if (i32.eq (local.get $hs) (local.get $kBest))
                    (then
                      (call $heapify (local.get $heap) (local.get $hs))
                      (local.set $full (i32.const 1))
                      ${barFrom('$heap')}))))`;

/**
 * At a segment's start: the row's heap (new on FIRST) and its bar: the heap's worst when full,
 * else the table row's worst when that is full, else none. A row's count only grows, so one
 * read below k (lock bit or not) means no floor yet; a full row is read under its lock, since
 * another thread may be merging into it.
 */
const ROW_START = `(if (i32.and (local.get $flags) (i32.const ${FIRST})) (then (local.set $hs (i32.const 0))))
        (local.set $full (i32.ge_u (local.get $hs) (local.get $kBest)))
        (local.set $barOn (i32.const 0))
        (if (local.get $full)
          (then ${barFrom('$heap')})
          (else
            (if (local.get $table)
              (then
                (local.set $addr (i32.add (local.get $state) (i32.shl (local.get $i) (i32.const 2))))
                (if (i32.ge_u (i32.and (i32.atomic.load (local.get $addr)) (i32.const ${COUNT})) (local.get $kBest))
                  (then
                    (local.set $count (call $lockRow (local.get $addr)))
                    (local.set $row (i32.add (local.get $table) (i32.mul (local.get $i) (i32.shl (local.get $kBest) (i32.const 3)))))
                    ${barFrom('$row')}
                    (i32.atomic.store (local.get $addr) (local.get $count))))))))`;

/** At a row's LAST segment: its k best into the table row (if it kept any), or out as records. */
const ROW_END = `(if (i32.and (local.get $flags) (i32.const ${LAST}))
          (then
            (if (local.get $table)
              (then
                (if (local.get $hs)
                  (then
                    (local.set $addr (i32.add (local.get $state) (i32.shl (local.get $i) (i32.const 2))))
                    (local.set $count (call $lockRow (local.get $addr)))
                    (local.set $row (i32.add (local.get $table) (i32.mul (local.get $i) (i32.shl (local.get $kBest) (i32.const 3)))))
                    (call $mergeRow (local.get $heap) (local.get $hs) (local.get $row) (local.get $addr)
                      (local.get $count) (local.get $kBest)))))
              (else
                (local.set $l (local.get $heap))
                (local.set $r (i32.add (local.get $heap) (i32.shl (local.get $hs) (i32.const 3))))
                (block $emitted
                  (loop $emit
                    (br_if $emitted (i32.ge_u (local.get $l) (local.get $r)))
                    (local.set $cs (i32.load (local.get $l)))
                    (i32.store (local.get $out) (local.get $i))
                    (i32.store offset=4 (local.get $out) (i32.load offset=4 (local.get $l)))
                    (i32.store offset=8 (local.get $out) (i32.and (local.get $cs) (i32.const 0xffff)))
                    (i32.store offset=12 (local.get $out) (i32.shr_u (local.get $cs) (i32.const 16)))
                    (local.set $out (i32.add (local.get $out) (i32.const 16)))
                    (local.set $l (i32.add (local.get $l) (i32.const 8)))
                    (br $emit)))
                (local.set $n (i32.add (local.get $n) (local.get $hs)))))
            (local.set $hs (i32.const 0))))`;

/** One kernel; `words` 0 means any length (a loop over rowBytes). */
function blockKernel(name, words, topK) {
  const { stride, aLocals, loadA } = leftRow(words);
  return `
  (func $${name} (export "${name}")
    (param $aPtr i32) (param $aPop i32) (param $bPtr i32) (param $bPop i32) (param $rec i32)
    (param $seg i32) (param $segEnd i32) (param $need i32) (param $out i32) (param $heap i32)
    (param $kBest i32) (param $table i32) (param $state i32) (param $rowBytes i32)
    (result i32)
    (local $i i32) (local $j i32) (local $jEnd i32) (local $lo i32) (local $span i32) (local $flags i32)
    (local $dd i32) (local $ddEnd i32) (local $d i32)
    (local $p i32) (local $b i32) (local $bp i32) (local $x4 i32) (local $pa i32) (local $pb i32)
    (local $needRow i32) (local $c i64) (local $ci i32) (local $s i32) (local $keep i32)
    (local $n i32) (local $cmp i32) (local $cand i32)
    (local $hs i32) (local $full i32) (local $cs i32) (local $jr i32) (local $l i32) (local $r i32)
    (local $barOn i32) (local $barCS i32) (local $barC i32) (local $barS i32) (local $barJ i32)
    (local $addr i32) (local $count i32) (local $row i32)
    ${aLocals}
    (local.set $hs (global.get $heapSize))
    (block $done
      (loop $segment
        (br_if $done (i32.ge_u (local.get $seg) (local.get $segEnd)))
        (local.set $i (i32.load (local.get $seg)))
        (local.set $j (i32.load offset=4 (local.get $seg)))
        (local.set $jEnd (i32.load offset=8 (local.get $seg)))
        (local.set $lo (i32.load16_u offset=12 (local.get $seg)))
        ;; |b| in [lo, hi]  <=>  (|b| - lo) <= (hi - lo) as unsigned: one compare per pair.
        (local.set $span (i32.sub (i32.load16_u offset=14 (local.get $seg)) (local.get $lo)))
        (local.set $flags (i32.load offset=16 (local.get $seg)))
        (local.set $dd (i32.add (local.get $seg) (i32.const 20)))
        (local.set $ddEnd (i32.add (local.get $dd) (i32.shl (i32.shr_u (local.get $flags) (i32.const 8)) (i32.const 3))))
        (local.set $p (i32.add (local.get $aPtr) (i32.mul (local.get $i) ${stride})))
        ${loadA.join('\n        ')}
        (local.set $pa (i32.load16_u (i32.add (local.get $aPop) (i32.shl (local.get $i) (i32.const 1)))))
        ;; need is indexed by |a|+|b|; fold |a| into the base once per row.
        (local.set $needRow (i32.add (local.get $need) (i32.shl (local.get $pa) (i32.const 2))))
        (local.set $b (i32.add (local.get $bPtr) (i32.mul (local.get $j) ${stride})))
        (local.set $bp (i32.add (local.get $bPop) (i32.shl (local.get $j) (i32.const 1))))
        (local.set $x4 (i32.shl (local.get $j) (i32.const 2)))
        ${topK ? ROW_START : ''}
        (block $rowDone
          (br_if $rowDone (i32.ge_u (local.get $j) (local.get $jEnd)))
          (loop $pair
            (block $skip
              ;; Exactly once: a pair an earlier pass put forward was dealt with there.
              (local.set $d (local.get $dd))
              (block $fresh
                (loop $earlier
                  (br_if $fresh (i32.ge_u (local.get $d) (local.get $ddEnd)))
                  (br_if $skip (i32.eq (i32.load (i32.add (i32.load (local.get $d)) (local.get $x4)))
                    (i32.load offset=4 (local.get $d))))
                  (local.set $d (i32.add (local.get $d) (i32.const 8)))
                  (br $earlier)))
              (local.set $cand (i32.add (local.get $cand) (i32.const 1)))
              (local.set $pb (i32.load16_u (local.get $bp)))
              (br_if $skip (i32.gt_u (i32.sub (local.get $pb) (local.get $lo)) (local.get $span)))
              (local.set $cmp (i32.add (local.get $cmp) (i32.const 1)))
              ${words > 0 ? unrolledCommon(words) : loopedCommon()}
              (local.set $ci (i32.wrap_i64 (local.get $c)))
              (local.set $s (i32.add (local.get $pa) (local.get $pb)))
              ${topK ? KEEP_TOPK : KEEP_ALL})
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (local.set $b (i32.add (local.get $b) ${stride}))
            (local.set $bp (i32.add (local.get $bp) (i32.const 2)))
            (local.set $x4 (i32.add (local.get $x4) (i32.const 4)))
            (br_if $pair (i32.lt_u (local.get $j) (local.get $jEnd)))))
        ${topK ? ROW_END : ''}
        (local.set $seg (local.get $ddEnd))
        (br $segment)))
    (global.set $heapSize (local.get $hs))
    (global.set $candidates (local.get $cand))
    (global.set $compared (local.get $cmp))
    (local.get $n))`;
}
