/* Reading ahead in the kernels' loops, shared by the C files (see the comment below). Private to
 * this target. */
#ifndef MINIFLOAT_PREFETCH_H
#define MINIFLOAT_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

/* Large arrays (beyond the last-level cache): a loop that computes much per cache line leaves the
 * hardware prefetchers behind, so that its time is the sum of the memory's and the computation's
 * rather than the larger of the two. Asking for the input `prefetch_distance` bytes ahead overlaps
 * them (docs/performance.md, "Large arrays: reading ahead, and a floor that does too": 1 KiB
 * measured slower, 4 KiB the same). A prefetch is a hint that never faults, so the address may
 * lie past the end of the input; it is computed as an integer, so no pointer leaves its object. */
enum { prefetch_distance = 2048 };

/* Prefetches the cache lines of the `bytes` bytes `offset` bytes after p (one per 64 bytes). */
static inline __attribute__((always_inline)) void prefetch_lines(const void *p, size_t offset, size_t bytes) {
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch((const void *)((uintptr_t)p + offset + b));
}

/* Asks for the cache line `offset` bytes after p, to be written: a loop that writes more bytes
 * than it reads (decoding: 4 bytes per code) waits on each output line's read for ownership
 * otherwise (the same section). */
static inline __attribute__((always_inline)) void prefetch_for_writing(const void *p, size_t offset) {
    __builtin_prefetch((const void *)((uintptr_t)p + offset), 1);
}

/* For the loops over blocks along an axis other than the last, 16 side by side in a strip: the
 * part of what the next call reads that strip c (of `width`) asks for, when the `rows` x `width`
 * elements of `size` bytes it reads are contiguous (stride == width: the array's lines are at most
 * as wide as a call, so the caller's next call reads the elements right after them). */
static inline __attribute__((always_inline)) void prefetch_next_rows(const void *in, size_t rows, size_t width, size_t stride,
                                                                     size_t size, size_t c) {
    if (stride == width) prefetch_lines(in, (rows * width + c * rows) * size, rows * 16 * size);
}

#endif
