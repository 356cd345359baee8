// GMP for Swift: the real header plus inline wrappers for GMP's function-like macros,
// which Swift cannot import.
#ifndef MINIFLOAT_CGMP_SHIM_H
#define MINIFLOAT_CGMP_SHIM_H
#include <gmp.h>

static inline mpz_ptr cgmp_mpq_numref(mpq_ptr q) { return mpq_numref(q); }
static inline mpz_ptr cgmp_mpq_denref(mpq_ptr q) { return mpq_denref(q); }
static inline int cgmp_mpq_sgn(mpq_srcptr q) { return mpq_sgn(q); }
static inline int cgmp_mpz_sgn(mpz_srcptr z) { return mpz_sgn(z); }
static inline int cgmp_mpz_odd_p(mpz_srcptr z) { return mpz_odd_p(z); }
#endif
