/* Looks up 5,000 distinct custom formats: the first 4,096 succeed, the rest fail with a message,
 * and formats already looked up keep working (CLibraryTests.formatCacheIsBounded). */
#include <stdio.h>
#include <string.h>
#include "minifloat.h"

int main(void) {
    const minifloat_format *f = NULL, *first = NULL;
    int ok = 0, refused = 0;
    char name[32];
    for (int b = 0; b < 5000; b++) {
        snprintf(name, sizeof name, "e5m2b%d", b - 2500);
        minifloat_status s = minifloat_format_named(name, &f);
        if (s == MINIFLOAT_OK) {
            ok++;
            if (!first) first = f;
        } else if (s == MINIFLOAT_ERR_UNKNOWN_FORMAT && strstr(minifloat_last_error(), "4096 distinct formats")) {
            refused++;
        }
    }
    const minifloat_format *again = NULL;
    minifloat_status s = minifloat_format_named("e5m2b-2500", &again);
    printf("ok %d refused %d same %d name %s\n", ok, refused, s == MINIFLOAT_OK && again == first,
           first ? minifloat_format_name(first) : "-");
    return 0;
}
