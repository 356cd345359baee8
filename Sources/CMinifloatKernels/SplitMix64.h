/* SplitMix64's constants (Steele, Lea and Flood, OOPSLA 2014), for the C files that compute it:
 * SplitMix64.c (any count, any bits) and Stochastic.h (16 counters in registers). Private to this
 * target. */
#ifndef MINIFLOAT_SPLITMIX64_H
#define MINIFLOAT_SPLITMIX64_H

#include <stdint.h>

/* z = seed + (index + 1) * golden; z = (z ^ (z >> 30)) * mix1; z = (z ^ (z >> 27)) * mix2; z ^ (z >> 31). */
static const uint64_t splitmix64_golden = 0x9E3779B97F4A7C15ull, splitmix64_mix1 = 0xBF58476D1CE4E5B9ull,
                      splitmix64_mix2 = 0x94D049BB133111EBull;

#endif
