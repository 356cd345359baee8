/* CMinifloatKernels: the few loops of the Minifloat core that Swift cannot compile for wider
 * vector units than the build's baseline (SSE2 on x86-64). Each has a baseline version and, on
 * x86-64, versions for AVX2 and AVX-512 selected at run time (per-function target attributes, so
 * the package needs no compiler flags). Every version gives the same result; the Swift tests run
 * each version the processor supports against the Swift reference loop. Internal to Minifloat:
 * not part of its public C interface (minifloat.h). */
#ifndef CMINIFLOAT_KERNELS_H
#define CMINIFLOAT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Not exported from the shared libraries that link the core (libMinifloatC.so and the others):
 * these are the core's internals, not part of minifloat.h. */
#if defined(__GNUC__) || defined(__clang__)
#define MINIFLOAT_KERNELS_INTERNAL __attribute__((visibility("hidden")))
#else
#define MINIFLOAT_KERNELS_INTERNAL
#endif

/* Instruction-set levels: 0 the baseline, 1 AVX2 (with F16C), 2 AVX-512 (F, DQ, BW and VL). */
enum { MINIFLOAT_KERNELS_BASELINE = 0, MINIFLOAT_KERNELS_AVX2 = 1, MINIFLOAT_KERNELS_AVX512 = 2 };

/* The highest level this processor runs (0 when not x86-64). */
MINIFLOAT_KERNELS_INTERNAL int minifloat_kernels_supported(void);

/* The level the core uses: minifloat_kernels_supported(), lowered by the environment variable
 * MINIFLOAT_KERNELS when it is "baseline" or "avx2" (to compare or test the versions; any other
 * value is ignored). */
MINIFLOAT_KERNELS_INTERNAL int minifloat_kernels_level(void);

/* The seeded random stream (RandomSource.seed in the Swift API): out[k] = the top `bits` bits
 * (1 <= bits <= 32) of word first + k, for k < count. Word w is a 32-bit half of SplitMix64's
 * output j = w / 2 (counting from 0) from state `seed`: z = seed + (j + 1) * 0x9E3779B97F4A7C15,
 * z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9, z = (z ^ (z >> 27)) * 0x94D049BB133111EB,
 * z ^ (z >> 31) (all modulo 2^64); the low half for even w, the high half for odd w. `level` at
 * most minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_seeded_random(uint64_t seed, uint64_t first, uint32_t bits, uint32_t *out,
                                                        size_t count, int level);

/* The constants of Minifloat's float32 normal-range kernel (Float32NormalKernel.swift, which
 * documents them): a float32 input whose magnitude a (bits, & abs_mask) has
 * range_start <= a <= range_start + span is encoded as ((bits & 0x7FFFFFFF) - rebias) rounded by
 * `rule` and shifted right by `shift`, with the sign moved to sign_mask_out; other inputs by the
 * bucket table (entry = table[bits >> 16]: code = (bits & 0xFFFF) >= entry >> 16 ? entry >> 8 :
 * entry, low 8 bits). */
typedef struct {
    uint32_t shift, rebias, lowest, range_start, span, abs_mask, sign_shift, sign_mask_out;
    int32_t rule;              /* 0 rne, 1 rna, 2 rtz, 3 rtp, 4 rtn, 5 rto (6 stochastic: not read) */
    int32_t zero_keeps_sign;   /* whether a negative input that rounds to zero keeps its sign */
    int32_t subnormal;         /* rne only: subnormal results by (a * subnormal_scale + 2^23); the C kernels
                                * round both ranges by one addition instead where they can (kernel_rule,
                                * Float32Group.h) */
    float subnormal_scale;
} minifloat_float32_kernel;

/* A stochastic mode (P3109 v4.0 section 4.2) as Float32NormalKernel.StochasticPlan derives it:
 * with t = (bits & 0x7FFFFFFF) - rebias (first rounded to nearest even at round_bits bits when
 * nonzero), the magnitude code is (t + ((R >> increment_right) << increment_left) + increment_add)
 * >> shift. Element i takes R_i: the top `bits` bits of word i of the seeded stream from `seed`
 * (as minifloat_seeded_random), or values[i] & (2^bits - 1) when values is not NULL. When
 * subnormal_multiplier is not 0, inputs below the kernel's least normal value (zero and the
 * subnormal range) are done too, with t = floor(T) | (T not an integer), T = (float)magnitude *
 * subnormal_multiplier; a zero code keeps the sign only when zero_keeps_sign. When
 * wide_fraction_scale is not 0 those lanes' code is instead floor(T) >> shift, plus one when
 * Y > wide_threshold - 2R, or Y == wide_threshold - 2R and (not wide_ties_to_even or R even),
 * with Y = (T - (floor(T) >> shift << shift)) * wide_fraction_scale (the fraction below the
 * subnormal step, times 2^(N+1)) in float32 when wide_threshold <= 2^24 (N <= 23) and in doubles
 * otherwise, where every value is exact. */
typedef struct {
    uint32_t increment_right, increment_left, increment_add, round_bits;
    uint64_t seed;
    const uint32_t *values;
    uint32_t bits;             /* 1...32 */
    float subnormal_multiplier; /* 2^(23 - minExponent), or 0 */
    /* With N > s - 2 random bits (s = 23 - M): 2^(N + 1 - s), and the subnormal lanes decide from
     * the fraction (above); 0 otherwise. */
    double wide_fraction_scale;
    double wide_threshold;     /* 2^(N + 1) for StochasticA, 2^(N + 1) - 1 for B and C */
    int32_t wide_ties_to_even; /* StochasticC */
} minifloat_stochastic;

/* The codes of in[0..<count] under the stochastic mode `s`, element k taking R_(first + k), in
 * groups of 16 (count a multiple of 16) through the kernel's normal range (`k`: its range_start
 * is the least normal value; rule unused), and zero and the subnormal range when
 * s->subnormal_multiplier is not 0. A group with an input outside that range is not
 * written: bit g % 64 of redo[g / 64] is set for group g, clear for the others (every word of
 * redo[0 ..< ceil(count / 1024)] is written). `level` at most minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_float32_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                                   const uint32_t *in, uint8_t *out, size_t count, uint64_t first,
                                                                   uint64_t *redo, int level);

/* minifloat_encode_float32_stochastic for the bfloat16 bits at `in`, each widened to float32 (its
 * top 16 bits) in registers. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_bfloat16_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                                    const uint16_t *in, uint8_t *out, size_t count, uint64_t first,
                                                                    uint64_t *redo, int level);

/* minifloat_encode_float32_stochastic for the float16 bits at `in`, each widened to float32
 * (exactly; a NaN made quiet, as minifloat_widen_float16) by the conversion instruction in
 * registers with AVX2 and AVX-512, through a buffer on the baseline. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_float16_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                                   const uint16_t *in, uint8_t *out, size_t count, uint64_t first,
                                                                   uint64_t *redo, int level);

/* The constants of the float64 stochastic kernel (Float64StochasticKernel.swift, which derives
 * them) for a format of at most 8 bits with M mantissa bits and least normal value 2^e, under a
 * stochastic mode with N random bits (M + N <= 50). An input is in range when its magnitude (bits
 * & abs_mask, which keeps the sign for an unsigned format) is at most `largest`; its re-biased
 * bits are t = (bits & 0x7FFF...) - rebias at or above the least normal value (bits `lowest`),
 * and |x| / 2^(e - 52) rounded to odd below it; the magnitude code is (t, first rounded to nearest
 * even at round_bits bits when nonzero, + (R << increment_left) + increment_add) >> shift, with
 * the sign bit (bit 63) moved to bit sign_position & sign_mask_out, dropped for a zero code unless
 * zero_keeps_sign. */
typedef struct {
    uint64_t rebias;           /* (1023 + e - 1) << 52 */
    uint64_t lowest;           /* the bits of 2^e */
    uint64_t largest;          /* the bits of the largest finite value */
    uint64_t abs_mask;
    uint64_t increment_add;    /* StochasticB: 2^(51 - M - N); 0 otherwise */
    uint64_t exponent_limit;   /* 1023 + e */
    uint32_t shift;            /* 52 - M */
    uint32_t increment_left;   /* 52 - M - N */
    uint32_t round_bits;       /* StochasticC: 52 - M - N; 0 otherwise */
    uint32_t sign_position;
    uint32_t sign_mask_out;
    int32_t zero_keeps_sign;
} minifloat_float64_stochastic_kernel;

/* The codes of the float64s (bits) in[0..<count] (a multiple of 16) under the kernel `k`'s
 * stochastic mode, element k taking R_(first + k) from `s` (its seed or values, and bits; the
 * other fields are not read), in groups of 16; a group with an input out of range is not
 * written, and redo reports it as minifloat_encode_float32_stochastic does. `level` at most
 * minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_float64_stochastic(const minifloat_float64_stochastic_kernel *k,
                                                                   const minifloat_stochastic *s, const uint64_t *in,
                                                                   uint8_t *out, size_t count, uint64_t first, uint64_t *redo,
                                                                   int level);

/* out[i] = float64 bits in[i] rounded to float32 with round-to-odd (the significand truncated to
 * 24 bits, the last bit set when any bit cut off is 1), correct where the result is a normal
 * float32 (biased float64 exponent 897...1150); returns nonzero when some in[i] is outside that
 * range (zero, a float32 subnormal, overflow, Inf, NaN: the caller redoes those). `level` at most
 * minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL int minifloat_float32_rounded_to_odd(const uint64_t *in, uint32_t *out, size_t count, int level);

/* out[i] = the float32 bits of float16 bits in[i] (exact; a NaN keeps its sign and payload and
 * is made quiet, as the hardware conversion does), i < count, at `level`. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_widen_float16(const uint16_t *in, uint32_t *out, size_t count, int level);

/* out[i] = table[in[i]] for i < count: 8-bit codes to float32 bits through a table of at least 256
 * entries (the format's decode table), the output asked for ahead (one loop for every level: the
 * look-up is scalar at each). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_decode_table8(const uint32_t *table, const uint8_t *in, uint32_t *out, size_t count);

/* `minifloat bench`'s memory-streaming floor: out[i] = the top byte of element i of `in`, for
 * i < count, the elements `width` bytes wide (4: float32, 8: float64), read ahead as the kernels
 * read theirs, at `level`. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_streaming_floor(const void *in, size_t width, uint8_t *out, size_t count, int level);

/* out[i] = the code (low 8 bits) of float32 bits in[i], i < count, at `level`. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_float32_codes8(const minifloat_float32_kernel *kernel, const uint32_t *table, const uint32_t *in,
                                     uint8_t *out, size_t count, int level);

/* The scale code of a block from its largest finite magnitude `amax` (float32 bits), as
 * ScaleThresholds.code (BlockFastPath.swift) finds it: entry = buckets[amax >> 19]; when bit 16
 * of entry is set, the number of starts[0..<start_count] at or below amax; otherwise
 * amax >= bucket_thresholds[amax >> 19] ? entry >> 8 & 0xFF : entry & 0xFF. */
typedef struct {
    const uint32_t *buckets, *bucket_thresholds, *starts;
    uint32_t start_count;
} minifloat_scale_table;

/* The block constants of MX encoding from float32 (BlockFastPath.swift): the scale is E8M0, and
 * elements x are encoded as x * 2^(127 - code) in float32, finite products clamped to the
 * magnitude clamp_bits (0x7F800000: not clamped). */
typedef struct {
    minifloat_scale_table scale;
    uint32_t clamp_bits;
    uint32_t nan_scale;        /* the scale code stored for a block with a NaN or Inf when nan_policy */
    int32_t nan_policy;
    int32_t twos_complement;   /* store the element code c as MXINT8's byte: c & 0x80 ? -(c & 0x7F) : c */
} minifloat_mx_blocks;

/* Encodes the `count` float32s at `in` as consecutive blocks of `block_size` (the last may be
 * shorter): scales[t] the scale code of block t, out[i] the stored code of element i (the element
 * kernel and table as in minifloat_encode_float32_codes8). Returns nonzero when, in some block
 * with scale code above 127, a nonzero element's product may be inexact (its exponent field is at
 * most code - 127, so the product is below 2^-126) and that can change its code (under rtp, rtn
 * and rto, or when the element's least positive value is at most 2^-125; otherwise the product
 * and its exact value both round to zero): the caller redoes those elements. `level` at most
 * minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL int minifloat_encode_mx_float32(const minifloat_float32_kernel *kernel, const uint32_t *table,
                                                           const minifloat_mx_blocks *blocks, const uint32_t *in, size_t count,
                                                           size_t block_size, uint8_t *scales, uint8_t *out, int level);

/* As minifloat_encode_mx_float32 for `width` blocks (a multiple of 16) along an axis other than
 * the last, side by side: element j < rows of block c at in[j * stride + c], its stored code to
 * out[j * stride + c], the block's scale code to scales[c]. */
MINIFLOAT_KERNELS_INTERNAL int minifloat_encode_mx_float32_columns(const minifloat_float32_kernel *kernel, const uint32_t *table,
                                                                   const minifloat_mx_blocks *blocks, const uint32_t *in,
                                                                   size_t rows, size_t width, size_t stride, uint8_t *scales,
                                                                   uint8_t *out, int level);

/* As minifloat_encode_mx_float32 under the stochastic mode `s` (`kernel` for the element format's
 * normal range, as in minifloat_encode_float32_stochastic), element k taking R_(first + k).
 * redo[t] is set nonzero for a block t whose element codes the caller must compute (a product
 * outside the element's normal range, as NaN, Inf and every product that may be inexact are, or
 * a length that is not a multiple of 16), zero for the others; every scale code is written. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_mx_float32_stochastic(const minifloat_float32_kernel *kernel,
                                                                      const minifloat_mx_blocks *blocks, const minifloat_stochastic *s,
                                                                      const uint32_t *in, size_t count, size_t block_size,
                                                                      uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo,
                                                                      int level);

/* As minifloat_encode_mx_float32_columns under the stochastic mode `s`, element j of block c taking
 * R_(first + j * stride + c); redo[c] as minifloat_encode_mx_float32_stochastic sets it (here for
 * all 16 blocks of a strip at once). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_mx_float32_columns_stochastic(const minifloat_float32_kernel *kernel,
                                                                              const minifloat_mx_blocks *blocks,
                                                                              const minifloat_stochastic *s, const uint32_t *in,
                                                                              size_t rows, size_t width, size_t stride,
                                                                              uint64_t first, uint8_t *scales, uint8_t *out,
                                                                              uint8_t *redo, int level);

/* MX blocks from float64 before their elements are rounded: the `count` float64s (bits) at `in` as
 * consecutive blocks of `block_size` (the last may be shorter); for block t, exact[t] = 1 when
 * its largest magnitude (NaN and Inf included) is above float32's largest finite value (its
 * products are written as 0, its scale is not written), else exact[t] = 0, scales[t] = the scale
 * code of its amax rounded to float32 with round-to-odd (`scale`, as in minifloat_scale_table),
 * and out[i] = element i times 2^(127 - code) in double, its magnitude bits at most clamp_bits.
 * `level` at most minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_mx_float64_products(const minifloat_scale_table *scale, uint64_t clamp_bits,
                                                             const uint64_t *in, size_t count, size_t block_size, uint8_t *scales,
                                                             uint64_t *out, uint8_t *exact, int level);

/* As minifloat_mx_float64_products for `width` blocks of `rows` elements side by side (along an
 * axis other than the last): element j < rows of block c at in[j * stride + c], its product to
 * out[j * width + c]; exact[c] and scales[c] for block c. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_mx_float64_products_columns(const minifloat_scale_table *scale, uint64_t clamp_bits,
                                                                     const uint64_t *in, size_t rows, size_t width,
                                                                     size_t stride, uint8_t *scales, uint64_t *out,
                                                                     uint8_t *exact, int level);

/* The block constants of NVFP4 encoding from float32 (E2M1Thresholds, BlockFastPath.swift): an
 * element's E2M1 magnitude code is the number of thresholds[code * 14 + (negative ? 7 : 0) + j],
 * j < 7, its magnitude (bits) reaches; its code is that | sign << 3, or nan_codes[sign] for NaN.
 * (A scale code with a zero divisor has every threshold at 0x7F800000: finite elements give +-0
 * and infinite ones +-6, which is how E2M1 encodes x / 0 and +-Inf in every mode.) */
typedef struct {
    minifloat_scale_table scale;
    const uint32_t *thresholds;
    uint32_t nan_scale;         /* the scale code stored for a block with a NaN or Inf when nan_policy */
    int32_t nan_policy;
    int32_t symmetric;          /* the thresholds of both signs are equal (not rtp or rtn) */
    uint8_t nan_codes[2];       /* the element code of a NaN: positive, negative */
} minifloat_nvfp4_blocks;

/* Encodes the `count` float32s at `in` as consecutive blocks of `block_size` (the last may be
 * shorter), as minifloat_encode_mx_float32 does. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float32(const minifloat_nvfp4_blocks *blocks, const uint32_t *in, size_t count,
                                                              size_t block_size, uint8_t *scales, uint8_t *out, int level);

/* As minifloat_encode_nvfp4_float32 for `width` blocks (a multiple of 16) along an axis other than
 * the last, side by side: element j < rows of block c at in[j * stride + c], its code to
 * out[j * stride + c], the block's scale code to scales[c]. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float32_columns(const minifloat_nvfp4_blocks *blocks, const uint32_t *in,
                                                                      size_t rows, size_t width, size_t stride, uint8_t *scales,
                                                                      uint8_t *out, int level);

/* The block constants of NVFP4 encoding from float64 (NVFP4Float64Thresholds,
 * BlockFastPath+Float64.swift): the scale code from the float32 tables `scale` of amax truncated
 * to float32, or the next code when amax reaches its float64 start (starts[c - 1]: the least float64
 * magnitude, bits, with code >= c; the float64 starts alone outside float32's normal range); an
 * element's E2M1 magnitude code is the number of thresholds[code * 14 + (negative ? 7 : 0) + j],
 * j < 7 (doubles; +Inf where unused), its magnitude reaches; its code is that | sign << 3. */
typedef struct {
    minifloat_scale_table scale;
    const uint64_t *starts;
    uint32_t start_count;
    const double *thresholds;
    uint32_t nan_scale;         /* the scale code stored for a block with a NaN or Inf when nan_policy */
    int32_t nan_policy;
    int32_t symmetric;          /* the thresholds of both signs are equal (not rtp or rtn) */
} minifloat_nvfp4_float64_blocks;

/* Encodes the `count` float64s (bits) at `in` as consecutive blocks of `block_size` (the last may
 * be shorter); redo[t] is set nonzero, with block t's elements not written, when it holds a NaN or
 * Inf (every scale code is written). `level` at most minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float64(const minifloat_nvfp4_float64_blocks *blocks, const uint64_t *in,
                                                              size_t count, size_t block_size, uint8_t *scales, uint8_t *out,
                                                              uint8_t *redo, int level);

/* The block constants of NVFP4 encoding from float32 under a stochastic element rounding
 * (BlockFloat32Kernel.NVFP4Stochastic): the scale code as in minifloat_nvfp4_blocks; the
 * element's E2M1 code from q = |x| * reciprocals[code] (1 / (scale value * tensor scale) rounded to
 * a double; 0 where that divisor is 0, whose finite elements are all +-0), rounded up or down by
 * the variant's rule (P3109 v4.0 section 4.2) with R_i of bits s->bits (in float32 from
 * reciprocals32 when N <= 23 and the entry is nonzero, in double otherwise). A value beyond 6 gives
 * +-6 (the caller checks that the saturation clamps so for every R). */
typedef struct {
    minifloat_scale_table scale;
    const double *reciprocals;  /* 128 entries, by scale code */
    const float *reciprocals32; /* 128 entries: reciprocals[code] rounded to a float32 when that is normal, else 0 */
    uint32_t nan_scale;         /* the scale code stored for a block with a NaN or Inf when nan_policy */
    int32_t nan_policy;
    int32_t variant;            /* 0 StochasticA, 1 StochasticB, 2 StochasticC */
} minifloat_nvfp4_stochastic_blocks;

/* Encodes the `count` float32s at `in` as consecutive blocks of `block_size` (the last may be
 * shorter), element k taking R_(first + k) from `s` (only its seed, values and bits are read).
 * redo[t] is set nonzero for a block t whose element codes the caller must compute (a NaN or Inf
 * in it, a length that is not a multiple of 16, or an element whose rounded quotient could decide
 * otherwise than the exact one: its grid index plus the variant's random offset lies within
 * 2^-18 (float32 lanes) or 2^-(N+16) (double lanes) of an integer, StochasticC's ties among
 * them), zero for the others; every scale code is written. `level` at most
 * minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float32_stochastic(const minifloat_nvfp4_stochastic_blocks *blocks,
                                                                         const minifloat_stochastic *s, const uint32_t *in,
                                                                         size_t count, size_t block_size, uint64_t first,
                                                                         uint8_t *scales, uint8_t *out, uint8_t *redo, int level);

/* As minifloat_encode_nvfp4_float32_stochastic for `width` blocks (a multiple of 16) along an axis
 * other than the last, side by side: element j < rows of block c at in[j * stride + c], taking
 * R_(first + j * stride + c), its code to out[j * stride + c], the block's scale code to
 * scales[c]. redo[c] is set nonzero for the 16 blocks of a strip whose codes the caller must
 * compute (as redo[t] above, and with more than 23 random bits), zero for the others. */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float32_columns_stochastic(const minifloat_nvfp4_stochastic_blocks *blocks,
                                                                                 const minifloat_stochastic *s, const uint32_t *in,
                                                                                 size_t rows, size_t width, size_t stride,
                                                                                 uint64_t first, uint8_t *scales, uint8_t *out,
                                                                                 uint8_t *redo, int level);

/* The same for float64 inputs (BlockFastPath+Float64.swift): `blocks` as above (its float32
 * scale tables; reciprocals32 unused), and the float64 scale starts of NVFP4Float64Thresholds:
 * starts[c - 1] the least float64 magnitude (bits) with scale code >= c. */
typedef struct {
    minifloat_nvfp4_stochastic_blocks blocks;
    const uint64_t *starts;
    uint32_t start_count;
} minifloat_nvfp4_float64_stochastic_blocks;

/* minifloat_encode_nvfp4_float32_stochastic for the `count` float64s (bits) at `in`: the scale
 * code of each block's largest finite magnitude from the float32 tables of its value truncated to
 * float32, or the next code when it reaches that code's float64 start (elsewhere the float64
 * starts alone); the elements in double lanes (within 2^-(N+16) of an integer: reported). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_encode_nvfp4_float64_stochastic(const minifloat_nvfp4_float64_stochastic_blocks *blocks,
                                                                         const minifloat_stochastic *s, const uint64_t *in,
                                                                         size_t count, size_t block_size, uint64_t first,
                                                                         uint8_t *scales, uint8_t *out, uint8_t *redo, int level);

/* Block decoding to float32: element_values and scale_values have 256 entries (the float32 value
 * of each stored byte; NaN for codes beyond the format); the product of element i in block t is
 * element_values[elements[i]] * scale_values[scales[t]], then * tensor_scale when
 * has_tensor_scale, each a float32 multiplication. With `fp4`, entries 16...255 of element_values
 * must all be equal (the codes beyond an FP4 format). */
typedef struct {
    const float *element_values, *scale_values;
    float tensor_scale;
    int32_t has_tensor_scale;
    int32_t fp4;
    /* The element values by arithmetic rather than from the table (set by
     * minifloat_block_decoder_set_arithmetic; 0 for none): 1, sign-magnitude floating point: a
     * code c below 2 sign_bit whose magnitude a = c & (sign_bit - 1) is below special_start has
     * the value a * unit when a < 2^mantissa_bits (zero and subnormals), else the float32 whose
     * bits are (a << (23 - mantissa_bits)) + exponent_offset, negated when c & sign_bit; 2, two's
     * complement bytes: (int8_t)c * unit. Other codes take element_values. */
    int32_t arithmetic;
    uint32_t mantissa_bits, sign_bit, special_start, exponent_offset;
    float unit;
} minifloat_block_decoder;

/* Sets d's arithmetic fields for elements of E exponent bits, M mantissa bits and the given bias
 * (sign-magnitude with a sign bit above them, 1 + E + M <= 8), or two's complement bytes when
 * twos_complement, when that form gives element_values[c] bit for bit for every code it takes
 * (special_start is the least magnitude where it would not); returns whether it did (else
 * arithmetic is 0 and every element comes from the table). */
MINIFLOAT_KERNELS_INTERNAL int minifloat_block_decoder_set_arithmetic(minifloat_block_decoder *d, int exponent_bits,
                                                                      int mantissa_bits, int bias, int twos_complement);

/* Decodes `count` elements in consecutive blocks of `block_size` (the last may be shorter) into
 * out. `level` at most minifloat_kernels_supported(). */
MINIFLOAT_KERNELS_INTERNAL void minifloat_decode_blocks_float32(const minifloat_block_decoder *decoder, const uint8_t *scales,
                                                               const uint8_t *elements, size_t count, size_t block_size,
                                                               float *out, int level);

#ifdef __cplusplus
}
#endif

#endif
