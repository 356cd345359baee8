/* 8-bit codes to float32 through the format's table (Format+ArrayEngine.swift, decodeRanges), the
 * output lines asked for ahead to be written (Prefetch.h): a loop that writes four bytes per byte
 * it reads waits on each output line otherwise. See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"
#include "Prefetch.h"

void minifloat_decode_table8(const uint32_t *table, const uint8_t *in, uint32_t *out, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        prefetch_for_writing(out + i, prefetch_distance);
        for (size_t k = i; k < i + 16; k++) out[k] = table[in[k]];
    }
    for (; i < count; i++) out[i] = table[in[i]];
}
