/*
 * Yardstick for the cohortlink Dice kernels: all-pairs Dice with a threshold between two sets
 * of filters, in C, timed the same way as the JS kernels. Not part of the service.
 *
 * Input (written by bench/kernel.ts), little-endian:
 *   uint32 magic "CLDK", uint32 nA, uint32 nB, uint32 words (64-bit words per filter),
 *   then nA * words uint64 (A), then nB * words uint64 (B).
 * Usage: dice FILE THRESHOLD [REPEATS]
 * Prints one JSON line per implementation: comparisons, pairs found, best time of REPEATS.
 *
 * The threshold test and the popcount bound are computed exactly as in
 * src/matching/kernel/thresholdPlan.ts (same double arithmetic), so the pair and comparison
 * counts must equal the JS kernels'.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  uint32_t nA, nB, words;
  uint64_t *a, *b;
  uint16_t *popA, *popB;
  int32_t *need;          /* need[s]: fewest common bits for Dice >= t when |a|+|b| = s */
  uint16_t *lo, *hi;      /* |b| must lie in [lo[|a|], hi[|a|]] to reach t */
} Job;

typedef struct {
  uint64_t compared, pairs;
} Count;

static double dice(uint32_t common, uint32_t sum) { return sum == 0 ? 0.0 : (2.0 * common) / (double)sum; }

static int can_reach(uint32_t pa, uint32_t pb, double t) { return dice(pa < pb ? pa : pb, pa + pb) >= t; }

static void *xalloc(size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

static void plan(Job *job, double t) {
  uint32_t bits = job->words * 64;
  job->need = xalloc((2 * bits + 1) * sizeof(int32_t));
  job->lo = xalloc((bits + 1) * sizeof(uint16_t));
  job->hi = xalloc((bits + 1) * sizeof(uint16_t));
  for (uint32_t s = 0; s <= 2 * bits; s++) {
    uint32_t c = 0;
    while (c <= s / 2 && dice(c, s) < t) c++;
    job->need[s] = c <= s / 2 ? (int32_t)c : (int32_t)bits + 1;
  }
  for (uint32_t p = 0; p <= bits; p++) {
    uint32_t lo = 1, hi = 0, found = 0; /* empty unless some |b| can reach t */
    for (uint32_t q = 0; q <= bits; q++)
      if (can_reach(p, q, t)) {
        if (!found) lo = q;
        hi = q;
        found = 1;
      }
    job->lo[p] = (uint16_t)lo;
    job->hi[p] = (uint16_t)hi;
  }
}

/* One popcount instruction per 64-bit word. Vectorisation is switched off so this stays the
 * scalar reference even under -march=native (KERNEL-NOTES: use -mtune=generic with gcc 12). */
#define SCALAR_KERNEL(NAME, WORDS)                                                            \
  __attribute__((optimize("no-tree-vectorize"))) static Count NAME(const Job *job) {         \
    const uint32_t W = (WORDS) ? (WORDS) : job->words;                                        \
    Count n = {0, 0};                                                                         \
    for (uint32_t i = 0; i < job->nA; i++) {                                                  \
      const uint64_t *a = job->a + (size_t)i * W;                                             \
      const uint32_t pa = job->popA[i], lo = job->lo[pa], span = job->hi[pa] - lo;            \
      if (job->lo[pa] > job->hi[pa]) continue;                                                \
      const int32_t *need = job->need + pa;                                                   \
      for (uint32_t j = 0; j < job->nB; j++) {                                                \
        const uint32_t pb = job->popB[j];                                                     \
        if (pb - lo > span) continue;                                                         \
        const uint64_t *b = job->b + (size_t)j * W;                                           \
        uint32_t c = 0;                                                                       \
        for (uint32_t k = 0; k < W; k++) c += (uint32_t)__builtin_popcountll(a[k] & b[k]);    \
        n.compared++;                                                                         \
        n.pairs += c >= (uint32_t)need[pb];                                                   \
      }                                                                                       \
    }                                                                                         \
    return n;                                                                                 \
  }

/* Fixed lengths let gcc unroll the word loop fully, as the WASM kernel is unrolled. */
SCALAR_KERNEL(scalar_w8, 8)
SCALAR_KERNEL(scalar_w16, 16)
SCALAR_KERNEL(scalar_w32, 32)
SCALAR_KERNEL(scalar_any, 0)

static Count scalar(const Job *job) {
  switch (job->words) {
    case 8: return scalar_w8(job);
    case 16: return scalar_w16(job);
    case 32: return scalar_w32(job);
    default: return scalar_any(job);
  }
}

/* AVX-512 VPOPCNTDQ: 8 words per instruction, 4 A rows per pass over B so each B vector is
 * loaded once for 4 rows; one horizontal sum per pair. Needs words % 8 == 0. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static Count avx512(const Job *job) {
  const uint32_t W = job->words, V = W / 8;
  Count n = {0, 0};
  for (uint32_t i0 = 0; i0 < job->nA; i0 += 4) {
    const uint32_t rows = job->nA - i0 < 4 ? job->nA - i0 : 4;
    uint32_t lo[4], span[4], pa[4];
    for (uint32_t r = 0; r < 4; r++) {
      pa[r] = r < rows ? job->popA[i0 + r] : 0;
      lo[r] = job->lo[pa[r]];
      span[r] = r < rows && job->lo[pa[r]] <= job->hi[pa[r]] ? job->hi[pa[r]] - lo[r] : 0;
      if (r >= rows || job->lo[pa[r]] > job->hi[pa[r]]) lo[r] = UINT32_MAX; /* never in range */
    }
    const uint64_t *a = job->a + (size_t)i0 * W;
    for (uint32_t j = 0; j < job->nB; j++) {
      const uint32_t pb = job->popB[j];
      const int in0 = pb - lo[0] <= span[0], in1 = pb - lo[1] <= span[1];
      const int in2 = pb - lo[2] <= span[2], in3 = pb - lo[3] <= span[3];
      if (!(in0 | in1 | in2 | in3)) continue;
      const uint64_t *b = job->b + (size_t)j * W;
      __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
      for (uint32_t v = 0; v < V; v++) {
        const __m512i bv = _mm512_load_si512(b + 8 * v);
        s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(_mm512_and_si512(bv, _mm512_load_si512(a + 8 * v))));
        if (rows > 1)
          s1 = _mm512_add_epi64(s1, _mm512_popcnt_epi64(_mm512_and_si512(bv, _mm512_load_si512(a + W + 8 * v))));
        if (rows > 2)
          s2 = _mm512_add_epi64(s2, _mm512_popcnt_epi64(_mm512_and_si512(bv, _mm512_load_si512(a + 2 * W + 8 * v))));
        if (rows > 3)
          s3 = _mm512_add_epi64(s3, _mm512_popcnt_epi64(_mm512_and_si512(bv, _mm512_load_si512(a + 3 * W + 8 * v))));
      }
      const uint32_t c[4] = {(uint32_t)_mm512_reduce_add_epi64(s0), (uint32_t)_mm512_reduce_add_epi64(s1),
                             (uint32_t)_mm512_reduce_add_epi64(s2), (uint32_t)_mm512_reduce_add_epi64(s3)};
      const int in[4] = {in0, in1, in2, in3};
      for (uint32_t r = 0; r < 4; r++)
        if (in[r]) {
          n.compared++;
          n.pairs += c[r] >= (uint32_t)job->need[pa[r] + pb];
        }
    }
  }
  return n;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void timed(const char *name, Count (*kernel)(const Job *), const Job *job, int repeats) {
  Count n = {0, 0};
  double best = 1e300;
  for (int r = 0; r < repeats; r++) {
    const double t0 = now();
    n = kernel(job);
    const double dt = now() - t0;
    if (dt < best) best = dt;
  }
  printf("{\"impl\":\"%s\",\"comparisons\":%llu,\"pairs\":%llu,\"seconds\":%.6f,\"comparisonsPerSecond\":%.0f}\n", name,
         (unsigned long long)n.compared, (unsigned long long)n.pairs, best, n.compared / best);
}

static void read_input(const char *path, Job *job) {
  FILE *f = fopen(path, "rb");
  uint32_t h[4];
  if (!f || fread(h, 4, 4, f) != 4 || h[0] != 0x4b444c43u || h[3] == 0) {
    fprintf(stderr, "%s: not a CLDK filter file\n", path);
    exit(2);
  }
  job->nA = h[1], job->nB = h[2], job->words = h[3];
  job->a = xalloc((size_t)job->nA * job->words * 8);
  job->b = xalloc((size_t)job->nB * job->words * 8);
  if (fread(job->a, 8, (size_t)job->nA * job->words, f) != (size_t)job->nA * job->words ||
      fread(job->b, 8, (size_t)job->nB * job->words, f) != (size_t)job->nB * job->words) {
    fprintf(stderr, "%s: truncated\n", path);
    exit(2);
  }
  fclose(f);
  job->popA = xalloc(job->nA * sizeof(uint16_t));
  job->popB = xalloc(job->nB * sizeof(uint16_t));
  for (uint32_t i = 0; i < job->nA; i++) {
    uint32_t c = 0;
    for (uint32_t k = 0; k < job->words; k++) c += __builtin_popcountll(job->a[(size_t)i * job->words + k]);
    job->popA[i] = (uint16_t)c;
  }
  for (uint32_t j = 0; j < job->nB; j++) {
    uint32_t c = 0;
    for (uint32_t k = 0; k < job->words; k++) c += __builtin_popcountll(job->b[(size_t)j * job->words + k]);
    job->popB[j] = (uint16_t)c;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s FILE THRESHOLD [REPEATS]\n", argv[0]);
    return 2;
  }
  const double t = strtod(argv[2], NULL);
  const int repeats = argc > 3 ? atoi(argv[3]) : 3;
  if (!(t >= 0 && t <= 1) || repeats < 1) {
    fprintf(stderr, "threshold must be in [0, 1] and repeats at least 1\n");
    return 2;
  }
  Job job;
  read_input(argv[1], &job);
  plan(&job, t);
  timed("c-scalar", scalar, &job, repeats);
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512vpopcntdq"))
    printf("{\"impl\":\"c-avx512\",\"skipped\":\"this CPU lacks AVX-512 VPOPCNTDQ\"}\n");
  else if (job.words % 8 != 0)
    printf("{\"impl\":\"c-avx512\",\"skipped\":\"filter length is not a multiple of 512 bits\"}\n");
  else
    timed("c-avx512", avx512, &job, repeats);
  return 0;
}
