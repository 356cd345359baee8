/* Calls Minifloat from C: build with
 *   swift build -c release --product MinifloatC
 *   cc Examples/c/example.c -I Sources/MinifloatC/include -L .build/release -lMinifloatC \
 *      -Wl,-rpath,$PWD/.build/release -o example && ./example
 * Each output line is "encode FORMAT VALUE MODE SATURATION CODE", "decode FORMAT CODE VALUE",
 * "array ...", "packed ..." or "error ..."; the test suite checks every line against the oracle. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "minifloat.h"

static const char *rounding_names[] = {"rne", "rna", "rtz", "rtp", "rtn", "rto"};
static const char *saturation_names[] = {"satnone", "satfinite", "satpropagate"};

int main(void) {
    const minifloat_format *e4m3fn = NULL, *e2m1fn = NULL, *e5m2 = NULL;
    if (minifloat_format_named("e4m3fn", &e4m3fn) != MINIFLOAT_OK ||
        minifloat_format_named("float4_e2m1fn", &e2m1fn) != MINIFLOAT_OK ||
        minifloat_format_named("e5m2", &e5m2) != MINIFLOAT_OK) {
        fprintf(stderr, "lookup failed: %s\n", minifloat_last_error());
        return 1;
    }
    const minifloat_format *formats[] = {e4m3fn, e5m2, e2m1fn};
    const double values[] = {464.0, 464.0001, 0.1, -0.1, 1e-3, -INFINITY, 57344.0, 61440.0, 2.5, -0.0};
    for (int f = 0; f < 3; f++)
        for (int v = 0; v < 10; v++)
            for (int r = 0; r < 6; r++)
                for (int s = 0; s < 3; s++) {
                    uint32_t code;
                    if (minifloat_encode_double(formats[f], values[v], (minifloat_rounding)r,
                                                (minifloat_saturation)s, 0, 0, &code) != MINIFLOAT_OK) return 1;
                    printf("encode %s %.17g %s %s %u\n", minifloat_format_name(formats[f]), values[v],
                           rounding_names[r], saturation_names[s], code);
                }
    for (uint32_t code = 0; code <= minifloat_format_max_code(e4m3fn); code += 17) {
        double value;
        if (minifloat_decode_double(e4m3fn, code, &value) != MINIFLOAT_OK) return 1;
        printf("decode e4m3fn %u %.17g\n", code, value);
    }
    float xs[7] = {0.3f, -2.75f, 1000.0f, 0.0078125f, NAN, 3.0f, -448.0f};
    uint8_t codes[7];
    if (minifloat_encode_float_array(e4m3fn, xs, 7, codes, 1, MINIFLOAT_RNE, MINIFLOAT_SATFINITE, 0, 0, 0) != MINIFLOAT_OK)
        return 1;
    for (int i = 0; i < 7; i++) printf("array e4m3fn %.9g rne satfinite %u\n", xs[i], codes[i]);
    float back[7];
    if (minifloat_decode_float_array(e4m3fn, codes, 7, 1, back, 1) != MINIFLOAT_OK) return 1;
    for (int i = 0; i < 7; i++) printf("decode e4m3fn %u %.9g\n", codes[i], back[i]);
    uint8_t packed[4];
    if (minifloat_encode_float_array_packed(e2m1fn, xs, 7, packed, MINIFLOAT_RNE, MINIFLOAT_SATNONE, 0, 0, 1) != MINIFLOAT_OK)
        return 1;
    for (int i = 0; i < 7; i++) printf("array e2m1fn %.9g rne satnone %u\n", xs[i], (packed[i / 2] >> (4 * (i % 2))) & 15);
    /* Errors: statuses and messages, never a trap. */
    const minifloat_format *nope = NULL;
    minifloat_status st = minifloat_format_named("e4m3fx", &nope);
    printf("error unknown-format %d %s\n", st, minifloat_last_error());
    double value;
    st = minifloat_decode_double(e2m1fn, 16, &value);
    printf("error code-range %d %s\n", st, minifloat_last_error());
    uint32_t code;
    st = minifloat_encode_double(e4m3fn, 1.0, MINIFLOAT_SRA, MINIFLOAT_SATNONE, 4, 16, &code);
    printf("error random %d %s\n", st, minifloat_last_error());
    st = minifloat_encode_double(e4m3fn, 1.0, (minifloat_rounding)42, MINIFLOAT_SATNONE, 0, 0, &code);
    printf("error rounding %d %s\n", st, minifloat_last_error());
    st = minifloat_encode_float_array(e4m3fn, xs, 7, NULL, 1, MINIFLOAT_RNE, MINIFLOAT_SATNONE, 0, 0, 0);
    printf("error null %d %s\n", st, minifloat_status_string(st));
    st = minifloat_encode_float_array_packed(e4m3fn, xs, 7, packed, MINIFLOAT_RNE, MINIFLOAT_SATNONE, 0, 0, 0);
    printf("error not-fp4 %d %s\n", st, minifloat_last_error());
    uint16_t wide[1] = {300};
    st = minifloat_decode_float_array(e4m3fn, wide, 1, 2, back, 0);
    printf("error array-code-range %d %s\n", st, minifloat_last_error());
    st = minifloat_encode_float_array(e4m3fn, xs, (size_t)-1, packed, 1, MINIFLOAT_RNE, MINIFLOAT_SATNONE, 0, 0, 0);
    printf("error size %d %s\n", st, minifloat_last_error());
    const minifloat_format *half = NULL;
    if (minifloat_format_named("binary16", &half) != MINIFLOAT_OK) return 1;
    st = minifloat_encode_float_array(half, xs, 7, packed, 1, MINIFLOAT_RNE, MINIFLOAT_SATNONE, 0, 0, 0);
    printf("error code-width %d %s\n", st, minifloat_last_error());
    return 0;
}
