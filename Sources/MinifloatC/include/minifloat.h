/*
 * minifloat.h: the C interface to Minifloat, the exact reference for FP4, FP6, FP8 and custom
 * low-precision floating point. Link with -lMinifloatC (built by `swift build -c release
 * --product MinifloatC`, in .build/release/libMinifloatC.so).
 *
 * Semantics are those of the Swift library (docs/semantics.md): every input is rounded once,
 * from its exact value, onto the format's grid extended upward, then saturated. No function
 * traps on bad arguments: each returns a status, and writes its outputs only on MINIFLOAT_OK.
 * All functions are thread-safe.
 */
#ifndef MINIFLOAT_H
#define MINIFLOAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MINIFLOAT_OK = 0,
    MINIFLOAT_ERR_NULL = 1,            /* a required pointer is NULL */
    MINIFLOAT_ERR_UNKNOWN_FORMAT = 2,  /* no format of that name; minifloat_last_error() says which are close */
    MINIFLOAT_ERR_ROUNDING = 3,        /* rounding mode out of range, or bad random_bits / random */
    MINIFLOAT_ERR_SATURATION = 4,      /* saturation mode out of range */
    MINIFLOAT_ERR_CODE_RANGE = 5,      /* a code above the format's largest code */
    MINIFLOAT_ERR_CODE_WIDTH = 6,      /* code_bytes is not 1, 2 or 4, or too narrow for the format */
    MINIFLOAT_ERR_NOT_FP4 = 7,         /* packed functions need a 4-bit format */
    MINIFLOAT_ERR_THREADS = 8,         /* threads is negative */
    MINIFLOAT_ERR_SIZE = 9             /* n is larger than any array can be (above PTRDIFF_MAX / 8) */
} minifloat_status;

typedef enum {
    MINIFLOAT_RNE = 0,  /* nearest, ties to even */
    MINIFLOAT_RNA = 1,  /* nearest, ties away from zero */
    MINIFLOAT_RTZ = 2,  /* toward zero */
    MINIFLOAT_RTP = 3,  /* toward +infinity */
    MINIFLOAT_RTN = 4,  /* toward -infinity */
    MINIFLOAT_RTO = 5,  /* to odd */
    MINIFLOAT_SRA = 6,  /* IEEE P3109 StochasticA (needs random_bits and random / seed) */
    MINIFLOAT_SRB = 7,  /* IEEE P3109 StochasticB */
    MINIFLOAT_SRC = 8   /* IEEE P3109 StochasticC */
} minifloat_rounding;

typedef enum {
    MINIFLOAT_SATNONE = 0,      /* P3109 SatNone / OCP non-saturating: overflow to Inf or NaN */
    MINIFLOAT_SATFINITE = 1,    /* P3109 SatFinite / OCP saturating: overflow and Inf to the finite limit */
    MINIFLOAT_SATPROPAGATE = 2  /* P3109 SatPropagate: finite overflow saturates, Inf stays Inf */
} minifloat_saturation;

/* A format. Pointers returned by minifloat_format_named stay valid for the life of the process; a
 * process can look up at most 4096 distinct formats (then MINIFLOAT_ERR_UNKNOWN_FORMAT, saying so). */
typedef struct minifloat_format minifloat_format;

/* Finds a format by name ("e4m3fn", "float8_e5m2", "e2m1fn", "e3m2b5fn", ...; block formats such as mxfp4 are not element formats). */
minifloat_status minifloat_format_named(const char *name, const minifloat_format **format);

/* The canonical name (static storage), the width in bits, and the largest code. */
const char *minifloat_format_name(const minifloat_format *format);
int minifloat_format_bits(const minifloat_format *format);
uint32_t minifloat_format_max_code(const minifloat_format *format);

/* Scalars. For stochastic rounding, random_bits is N (1..32) and random is R (0 <= R < 2^N);
 * for other modes both must be 0. A NaN input's sign bit is kept where the format has signed NaNs. */
minifloat_status minifloat_encode_double(const minifloat_format *format, double x, minifloat_rounding rounding,
                                         minifloat_saturation saturation, uint32_t random_bits, uint64_t random,
                                         uint32_t *code);
minifloat_status minifloat_encode_float(const minifloat_format *format, float x, minifloat_rounding rounding,
                                        minifloat_saturation saturation, uint32_t random_bits, uint64_t random,
                                        uint32_t *code);
/* The exact value of a code as a double (exact for every format of at most 16 bits with a
 * finite range of doubles; NaN codes give NaN, infinities infinity). */
minifloat_status minifloat_decode_double(const minifloat_format *format, uint32_t code, double *value);

/* Arrays. codes has n elements of code_bytes bytes each (1, 2 or 4; at least the format's width).
 * Stochastic modes take random_bits (1..32) and seed: R_i is the top N bits of 32-bit word i of
 * SplitMix64's outputs from state seed, word 2j the low half of output j + 1 and word 2j + 1 its
 * high half (see RandomSource in the Swift API). threads: 0 for all
 * processors; the result does not depend on it. */
minifloat_status minifloat_encode_float_array(const minifloat_format *format, const float *xs, size_t n,
                                              void *codes, size_t code_bytes, minifloat_rounding rounding,
                                              minifloat_saturation saturation, uint32_t random_bits,
                                              uint64_t seed, int threads);
minifloat_status minifloat_encode_double_array(const minifloat_format *format, const double *xs, size_t n,
                                               void *codes, size_t code_bytes, minifloat_rounding rounding,
                                               minifloat_saturation saturation, uint32_t random_bits,
                                               uint64_t seed, int threads);
/* Packed FP4: (n + 1) / 2 bytes, element 2k in the low nibble of byte k (PyTorch float4_e2m1fn_x2). */
minifloat_status minifloat_encode_float_array_packed(const minifloat_format *format, const float *xs, size_t n,
                                                     uint8_t *bytes, minifloat_rounding rounding,
                                                     minifloat_saturation saturation, uint32_t random_bits,
                                                     uint64_t seed, int threads);
/* Decodes n codes to floats (correctly rounded when a value is not a float). A code above the
 * largest gives MINIFLOAT_ERR_CODE_RANGE and writes nothing. */
minifloat_status minifloat_decode_float_array(const minifloat_format *format, const void *codes, size_t n,
                                              size_t code_bytes, float *values, int threads);

/* A static description of a status, and the message of the last error in this thread. */
const char *minifloat_status_string(minifloat_status status);
const char *minifloat_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* MINIFLOAT_H */
