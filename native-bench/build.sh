#!/bin/sh
# Builds the C yardstick into native-bench/build/ (gitignored). Flags per KERNEL-NOTES: gcc 12
# does not know Zen 4, and -march=native alone spills popcounts into vector registers, so the
# tuning is set back to generic. The AVX-512 kernel is compiled for its target by attribute and
# chosen at run time, so the binary also runs on CPUs without it.
set -eu
cd "$(dirname "$0")"
mkdir -p build
"${CC:-gcc}" -O3 -march=native -mtune=generic -std=gnu11 -Wall -Wextra -o build/dice dice.c
