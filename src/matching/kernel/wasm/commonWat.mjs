// The common-bit count shared by every WASM kernel (diceWat.mjs, blockWat.mjs): c = sum of
// popcnt(a_k & b_k) over the filter's 64-bit words, the A row in locals $a0.. (or read from
// memory at $p), the B filter at $b. Both forms leave c in the i64 local $c and may branch to
// the enclosing block $skip (never taken: see unrolledCommon).

/** Words per group between never-taken branches (KERNEL-NOTES; measured best at 2–4). */
const GROUP = 4;

/**
 * c = sum of popcnt(a_k & b_k), the A words in locals. Fully unrolled, V8 hoists every load to
 * the top and spills; a branch after every GROUP words that is never taken (c never exceeds
 * 2^32: it is at most the filter length) keeps each group's loads next to their use. Measured
 * on the dev machine, 1024 bits: 189 M/s without the branches, 255 M/s with them. Within a
 * group the popcounts are added as a tree so the adds do not form one serial chain.
 */
export function unrolledCommon(words) {
  const term = (k) => `(i64.popcnt (i64.and (local.get $a${k}) (i64.load offset=${k * 8} (local.get $b))))`;
  const lines = [];
  for (let g = 0; g < words; g += GROUP) {
    let terms = [];
    for (let k = g; k < Math.min(words, g + GROUP); k++) terms.push(term(k));
    while (terms.length > 1) {
      const next = [];
      for (let q = 0; q < terms.length; q += 2)
        next.push(q + 1 < terms.length ? `(i64.add ${terms[q]} ${terms[q + 1]})` : terms[q]);
      terms = next;
    }
    lines.push(
      g === 0 ? `(local.set $c ${terms[0]})` : `(local.set $c (i64.add (local.get $c) ${terms[0]}))`,
    );
    if (g + GROUP < words) lines.push('(br_if $skip (i64.gt_u (local.get $c) (i64.const 0xffffffff)))');
  }
  return lines.join('\n              ');
}

/** c for any length: one word per iteration, A read from memory. */
export function loopedCommon() {
  return `(local.set $c (i64.const 0))
              (local.set $k (i32.const 0))
              (loop $word
                (local.set $c (i64.add (local.get $c) (i64.popcnt (i64.and
                  (i64.load (i32.add (local.get $p) (local.get $k)))
                  (i64.load (i32.add (local.get $b) (local.get $k)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 8)))
                (br_if $word (i32.lt_u (local.get $k) (local.get $rowBytes))))`;
}

/**
 * The left row's part of a kernel: its stride, its locals (one i64 per word when unrolled, a
 * loop index otherwise) and the loads that keep it in locals; `words` 0 means any length.
 */
export function leftRow(words) {
  return {
    stride: words > 0 ? `(i32.const ${words * 8})` : '(local.get $rowBytes)',
    aLocals:
      words > 0 ? Array.from({ length: words }, (_, k) => `(local $a${k} i64)`).join(' ') : '(local $k i32)',
    loadA:
      words > 0
        ? Array.from(
            { length: words },
            (_, k) => `(local.set $a${k} (i64.load offset=${k * 8} (local.get $p)))`,
          )
        : [],
  };
}
