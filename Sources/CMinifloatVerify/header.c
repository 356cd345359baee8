/* The declarations of minifloat_verify.h, for Swift to implement (Sources/MinifloatVerifyC). A C
 * target needs a source file; this one compiles the header alone to check it. */
#include "minifloat_verify.h"
