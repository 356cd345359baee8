/*
 * minifloat_verify.h: checking another quantizer's output from C (and so from Python, C++ or any
 * language with a C FFI). Link with -lMinifloatVerifyC (built by `swift build -c release --product
 * MinifloatVerifyC`, in .build/release/libMinifloatVerifyC.so; it links GMP, the exact oracle's
 * arithmetic). The codec alone, without GMP, is libMinifloatC (minifloat.h).
 *
 * minifloat_verify checks each claimed element against the reference conversion (IEEE P3109 v4.0
 * section 4 / OCP OFP8 v1.0 section 5 under the given rounding and saturation, every input rounded
 * once from its exact value) and explains each mismatch, exactly as `minifloat verify` does; its
 * JSON report is that command's `--json` report without the file fields. No function traps on bad
 * arguments. Thread-safe.
 */
#ifndef MINIFLOAT_VERIFY_H
#define MINIFLOAT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MINIFLOAT_VERIFY_MATCH = 0,     /* every element matches */
    MINIFLOAT_VERIFY_MISMATCH = 1,  /* some elements differ: see the summary and the reports */
    MINIFLOAT_VERIFY_ERROR = 2      /* bad arguments; minifloat_verify_last_error() says what, in one line */
} minifloat_verify_status;

typedef struct {
    const char *rounding;    /* "rne" .. "rto", "sra", "srb", "src"; NULL: "rne" (or the profile's) */
    const char *saturation;  /* "satnone", "satfinite", "satpropagate"; NULL: "satnone" (or the profile's) */
    const char *profile;     /* NULL or "reference"; a system ("torch", "jax", "ml_dtypes", "cuda", "cuda-ptx",
                                "triton": its codes are accepted exactly, rounding/saturation pick its call);
                                or "ocp-saturating", "ocp-nonsaturating", "p3109-satfinite", ... */
    int nan_any;             /* nonzero: any NaN code matches where the reference gives a NaN */
    uint32_t random_bits;    /* stochastic rounding: N (1..32); else 0 */
    uint64_t seed;           /* stochastic rounding: R_i = top N bits of word i of SplitMix64's outputs from seed
                                (halves, low first; as minifloat.h) */
    size_t max_mismatches;   /* how many mismatches the reports show in detail */
    int threads;             /* 0: all processors */
} minifloat_verify_options;

/* The defaults: rne, satnone, no profile, 10 mismatches in detail, all processors. */
minifloat_verify_options minifloat_verify_default_options(void);

typedef struct {
    uint64_t checked;
    uint64_t matching;
    uint64_t mismatching;
} minifloat_verify_summary;

/*
 * Verifies n claimed elements against n inputs, both in the same element order.
 *   format:        a format name ("e4m3fn", "float8_e5m2", "e2m1fn", "e3m2b5fn", ...; at most 16 bits)
 *   input:         n elements of input_dtype: "f32", "f64", "f16" or "bf16" (native byte order)
 *   claimed:       n elements of claimed_dtype: codes "u8", "i8", "u16", or values "f32", "f64", "f16",
 *                  "bf16"; for claimed_as "packed-fp4", (n + 1) / 2 bytes ("u8"), element 2k in the low nibble
 *   claimed_as:    "codes", "values", "packed-fp4", or NULL (values for float dtypes, codes otherwise)
 *   options:       NULL for minifloat_verify_default_options()
 *   summary:       NULL, or receives the counts
 *   report_json:   NULL, or receives a malloc'd NUL-terminated JSON report (free with minifloat_verify_free)
 *   report_text:   NULL, or receives the report as `minifloat verify` prints it (free with minifloat_verify_free)
 * Returns MATCH or MISMATCH (outputs written), or ERROR (nothing written).
 */
minifloat_verify_status minifloat_verify(const char *format, const void *input, const char *input_dtype, size_t n,
                                         const void *claimed, const char *claimed_dtype, const char *claimed_as,
                                         const minifloat_verify_options *options, minifloat_verify_summary *summary,
                                         char **report_json, char **report_text);

/* Frees a report. NULL is ignored. */
void minifloat_verify_free(char *report);

/* This thread's last error message ("" if none); valid until its next error. */
const char *minifloat_verify_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* MINIFLOAT_VERIFY_H */
