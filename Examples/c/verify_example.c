/* verify_example.c: checks a hand-written FP8 (E4M3) fake-quantizer with libMinifloatVerifyC.
 *
 *   cc -std=c99 verify_example.c -I Sources/CMinifloatVerify/include -L .build/release \
 *      -lMinifloatVerifyC -Wl,-rpath,.build/release -lm -o verify_example && ./verify_example
 *
 * The quantizer rounds |x| / step half up (floor(v + 0.5)), a common hand-written rounding: at an
 * exact tie it goes away from zero where E4M3's reference rounds to even. minifloat_verify finds
 * every such element and names the cause.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "minifloat_verify.h"

/* E4M3 fake-quantization, ties away from zero (no overflow handling: inputs stay below 448). */
static float quantize_e4m3(float x) {
    float a = fabsf(x);
    if (a == 0.0f) return x;
    int e = (int)floorf(log2f(a));
    if (e < -6) e = -6;                       /* subnormals share the least normal's step */
    float step = ldexpf(1.0f, e - 3);         /* 3 mantissa bits */
    return copysignf(floorf(a / step + 0.5f) * step, x);
}

static void error_case(const char *name, minifloat_verify_status status) {
    printf("error %s %d %s\n", name, (int)status, minifloat_verify_last_error());
}

int main(void) {
    enum { N = 256 };
    float xs[N], claims[N];
    for (int i = 0; i < N; i++) {
        xs[i] = (float)(i - 128) / 16.0f;     /* multiples of 1/16 in [-8, 8): many exact ties */
        claims[i] = quantize_e4m3(xs[i]);
    }
    minifloat_verify_options options = minifloat_verify_default_options();
    options.max_mismatches = 2;
    minifloat_verify_summary summary;
    char *json = NULL, *text = NULL;
    minifloat_verify_status status = minifloat_verify("e4m3fn", xs, "f32", N, claims, "f32", NULL, &options,
                                                      &summary, &json, &text);
    printf("status %d\n", (int)status);
    printf("summary %llu %llu %llu\n", (unsigned long long)summary.checked, (unsigned long long)summary.matching,
           (unsigned long long)summary.mismatching);
    printf("json %s\n", json);
    printf("text\n%s", text);
    minifloat_verify_free(json);
    minifloat_verify_free(text);

    /* The same claims under OCP saturating conversion (a profile), summary only. */
    status = minifloat_verify("e4m3fn", xs, "f32", N, claims, "f32", "values", NULL, &summary, NULL, NULL);
    printf("default %d %llu\n", (int)status, (unsigned long long)summary.mismatching);

    /* Bad arguments: status 2 and a one-line message; nothing written. */
    error_case("unknown-format", minifloat_verify("e4m3x", xs, "f32", N, claims, "f32", NULL, NULL, NULL, NULL, NULL));
    error_case("null-input", minifloat_verify("e4m3fn", NULL, "f32", N, claims, "f32", NULL, NULL, NULL, NULL, NULL));
    error_case("input-dtype", minifloat_verify("e4m3fn", xs, "u8", N, claims, "f32", NULL, NULL, NULL, NULL, NULL));
    error_case("claimed-as", minifloat_verify("e4m3fn", xs, "f32", N, claims, "f32", "codes", NULL, NULL, NULL, NULL));
    options = minifloat_verify_default_options();
    options.profile = "ocp-saturating";
    options.rounding = "rtz";
    error_case("profile", minifloat_verify("e4m3fn", xs, "f32", N, claims, "f32", NULL, &options, NULL, NULL, NULL));
    options = minifloat_verify_default_options();
    options.rounding = "sra";
    error_case("random-bits", minifloat_verify("e4m3fn", xs, "f32", N, claims, "f32", NULL, &options, NULL, NULL, NULL));
    return 0;
}
