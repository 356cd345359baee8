// Records what an NVIDIA GPU's FP8/FP6/FP4/E8M0 conversions give, for every input, in the layout
// of Conformance/README.md: the PTX instruction cvt.rn.satfinite.{e4m3x2,e5m2x2} and the CUDA
// header functions __nv_cvt_*_to_fp8/fp6/fp4/e8m0, from every float32 input (2^32, kept as runs),
// every float16 and bfloat16 input, and each decode function's table.
//
//     nvcc -O2 -std=c++17 -arch=sm_90 Conformance/cuda/record_cuda.cu -o record_cuda   # CUDA 12.8 or later
//     ./record_cuda OUT_DIR "NVIDIA H100 80GB HBM3, driver ..., CUDA 13.0; November 2026"
//     python3 Conformance/convert_npz.py OUT_DIR Conformance/recordings/NAME.json
//
// OUT_DIR gets one .npy per array (f32_<name>__start/__code, f16_<name>, bf16_<name>,
// dec_<name>_to_f16/_to_bf16) and __recorded.txt (the second argument: what ran where).
// Each float32 sweep is 16 launches of 2^28 conversions (one code byte each); the host keeps the
// points where the code changes. Nothing is sampled.
//
// sm_89 or later for the cvt instruction (Ada, Hopper, Blackwell); written for sm_90.

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp4.h>
#include <cuda_fp6.h>
#include <cuda_fp8.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "npy_runs.h"

namespace {

// The conversions, in the names of Conformance/convert_npz.py's table.
enum Conversion : int {
    PTX_E4M3, PTX_E5M2,
    FP8_E4M3_SATFINITE, FP8_E4M3_NOSAT, FP8_E5M2_SATFINITE, FP8_E5M2_NOSAT,
    FP6_E2M3_RN, FP6_E3M2_RN, FP4_E2M1_RN,
    E8M0_RZ_SATFINITE, E8M0_RZ_NOSAT, E8M0_RP_SATFINITE, E8M0_RP_NOSAT,
    CONVERSION_COUNT
};

const char* const kNames[CONVERSION_COUNT] = {
    "ptx_cvt_rn_satfinite_e4m3x2", "ptx_cvt_rn_satfinite_e5m2x2",
    "nv_fp8_e4m3_satfinite", "nv_fp8_e4m3_nosat", "nv_fp8_e5m2_satfinite", "nv_fp8_e5m2_nosat",
    "nv_fp6_e2m3_rn", "nv_fp6_e3m2_rn", "nv_fp4_e2m1_rn",
    "nv_e8m0_rz_satfinite", "nv_e8m0_rz_nosat", "nv_e8m0_rp_satfinite", "nv_e8m0_rp_nosat",
};

enum Source : int { FROM_F32, FROM_F16, FROM_BF16 };

// Which sources each conversion has: the PTX instruction takes f32 and f16x2; the E8M0 functions
// float32 and bfloat16 (no half variant); the others all three.
bool takes(int c, Source s) {
    if (c == PTX_E4M3 || c == PTX_E5M2) return s != FROM_BF16;
    if (c >= E8M0_RZ_SATFINITE) return s != FROM_F16;
    return true;
}

__device__ unsigned char ptx_from_f32(int c, float x) {
    unsigned short pair;
    // The instruction converts two values; the second operand goes to the low byte.
    if (c == PTX_E4M3) {
        asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(pair) : "f"(0.0f), "f"(x));
    } else {
        asm("cvt.rn.satfinite.e5m2x2.f32 %0, %1, %2;" : "=h"(pair) : "f"(0.0f), "f"(x));
    }
    return static_cast<unsigned char>(pair & 0xFF);
}

__device__ unsigned char ptx_from_f16(int c, unsigned short bits) {
    unsigned short pair;
    const unsigned int halves = bits;  // the input in the low half, 0 in the high one
    if (c == PTX_E4M3) {
        asm("cvt.rn.satfinite.e4m3x2.f16x2 %0, %1;" : "=h"(pair) : "r"(halves));
    } else {
        asm("cvt.rn.satfinite.e5m2x2.f16x2 %0, %1;" : "=h"(pair) : "r"(halves));
    }
    return static_cast<unsigned char>(pair & 0xFF);
}

// One input of `source` (bit pattern in the low bits of `bits`) through conversion `c`.
__device__ unsigned char convert(int c, Source source, uint32_t bits) {
    float x = 0.0f;
    __half_raw h;
    __nv_bfloat16_raw b;
    h.x = static_cast<unsigned short>(bits);
    b.x = static_cast<unsigned short>(bits);
    if (source == FROM_F32) x = __uint_as_float(bits);
    switch (c) {
    case PTX_E4M3:
    case PTX_E5M2:
        return source == FROM_F32 ? ptx_from_f32(c, x) : ptx_from_f16(c, h.x);
    case FP8_E4M3_SATFINITE:
    case FP8_E4M3_NOSAT:
    case FP8_E5M2_SATFINITE:
    case FP8_E5M2_NOSAT: {
        const __nv_saturation_t sat = (c == FP8_E4M3_SATFINITE || c == FP8_E5M2_SATFINITE) ? __NV_SATFINITE : __NV_NOSAT;
        const __nv_fp8_interpretation_t kind = (c == FP8_E4M3_SATFINITE || c == FP8_E4M3_NOSAT) ? __NV_E4M3 : __NV_E5M2;
        if (source == FROM_F32) return __nv_cvt_float_to_fp8(x, sat, kind);
        if (source == FROM_F16) return __nv_cvt_halfraw_to_fp8(h, sat, kind);
        return __nv_cvt_bfloat16raw_to_fp8(b, sat, kind);
    }
    case FP6_E2M3_RN:
    case FP6_E3M2_RN: {
        const __nv_fp6_interpretation_t kind = c == FP6_E2M3_RN ? __NV_E2M3 : __NV_E3M2;
        if (source == FROM_F32) return __nv_cvt_float_to_fp6(x, kind, cudaRoundNearest);
        if (source == FROM_F16) return __nv_cvt_halfraw_to_fp6(h, kind, cudaRoundNearest);
        return __nv_cvt_bfloat16raw_to_fp6(b, kind, cudaRoundNearest);
    }
    case FP4_E2M1_RN:
        if (source == FROM_F32) return __nv_cvt_float_to_fp4(x, __NV_E2M1, cudaRoundNearest);
        if (source == FROM_F16) return __nv_cvt_halfraw_to_fp4(h, __NV_E2M1, cudaRoundNearest);
        return __nv_cvt_bfloat16raw_to_fp4(b, __NV_E2M1, cudaRoundNearest);
    default: {
        const __nv_saturation_t sat = (c == E8M0_RZ_SATFINITE || c == E8M0_RP_SATFINITE) ? __NV_SATFINITE : __NV_NOSAT;
        const cudaRoundMode mode = (c == E8M0_RZ_SATFINITE || c == E8M0_RZ_NOSAT) ? cudaRoundZero : cudaRoundPosInf;
        if (source == FROM_F32) return __nv_cvt_float_to_e8m0(x, sat, mode);
        return __nv_cvt_bfloat16raw_to_e8m0(b, sat, mode);
    }
    }
}

__global__ void sweep(int c, Source source, uint32_t first, uint32_t count, unsigned char* out) {
    const uint32_t stride = blockDim.x * gridDim.x;
    for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
        out[i] = convert(c, source, first + i);
    }
}

// The decode tables: code -> float16 (bfloat16 for E8M0) bit pattern.
enum Decode : int { DEC_PTX_E4M3, DEC_PTX_E5M2, DEC_E4M3, DEC_E5M2, DEC_E2M3, DEC_E3M2, DEC_E2M1, DEC_E8M0, DECODE_COUNT };
const char* const kDecodeNames[DECODE_COUNT] = {
    "dec_ptx_e4m3x2_to_f16", "dec_ptx_e5m2x2_to_f16", "dec_nv_e4m3_to_f16", "dec_nv_e5m2_to_f16",
    "dec_nv_fp6_e2m3_to_f16", "dec_nv_fp6_e3m2_to_f16", "dec_nv_fp4_e2m1_to_f16", "dec_nv_e8m0_to_bf16",
};

__global__ void decode(int d, unsigned short* out) {
    const unsigned int code = threadIdx.x;  // 256 threads: every byte
    unsigned int pair = 0;
    switch (d) {
    case DEC_PTX_E4M3:
        asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(pair) : "h"(static_cast<unsigned short>(code)));
        out[code] = static_cast<unsigned short>(pair & 0xFFFF);
        break;
    case DEC_PTX_E5M2:
        asm("cvt.rn.f16x2.e5m2x2 %0, %1;" : "=r"(pair) : "h"(static_cast<unsigned short>(code)));
        out[code] = static_cast<unsigned short>(pair & 0xFFFF);
        break;
    case DEC_E4M3: out[code] = __nv_cvt_fp8_to_halfraw(code, __NV_E4M3).x; break;
    case DEC_E5M2: out[code] = __nv_cvt_fp8_to_halfraw(code, __NV_E5M2).x; break;
    case DEC_E2M3: out[code] = __nv_cvt_fp6_to_halfraw(code, __NV_E2M3).x; break;
    case DEC_E3M2: out[code] = __nv_cvt_fp6_to_halfraw(code, __NV_E3M2).x; break;
    case DEC_E2M1: out[code] = __nv_cvt_fp4_to_halfraw(code, __NV_E2M1).x; break;
    default: out[code] = __nv_cvt_e8m0_to_bf16raw(code).x; break;
    }
}

bool check(cudaError_t status, const char* what) {
    if (status == cudaSuccess) return true;
    std::fprintf(stderr, "record_cuda: %s: %s\n", what, cudaGetErrorString(status));
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: record_cuda OUT_DIR \"what ran where (GPU, driver, CUDA; date)\"\n");
        return 2;
    }
    const std::string folder = argv[1];
    {
        FILE* f = std::fopen((folder + "/__recorded.txt").c_str(), "wb");
        if (!f) {
            std::fprintf(stderr, "record_cuda: cannot write in %s: create the folder first\n", folder.c_str());
            return 2;
        }
        std::fputs(argv[2], f);
        std::fclose(f);
    }
    const uint32_t chunk = 1u << 28;
    unsigned char* device = nullptr;
    unsigned short* table = nullptr;
    if (!check(cudaMalloc(&device, chunk), "cudaMalloc") || !check(cudaMalloc(&table, 256 * sizeof(unsigned short)), "cudaMalloc")) {
        return 1;
    }
    std::vector<unsigned char> host(chunk);
    const char* const prefix[3] = {"f32_", "f16_", "bf16_"};
    for (int c = 0; c < CONVERSION_COUNT; ++c) {
        for (int s = FROM_F32; s <= FROM_BF16; ++s) {
            if (!takes(c, Source(s))) continue;
            const std::string key = prefix[s] + std::string(kNames[c]);
            std::fprintf(stderr, "recording %s\n", key.c_str());
            if (s == FROM_F32) {
                recorder::Runs runs;
                for (uint64_t first = 0; first < (1ull << 32); first += chunk) {
                    sweep<<<4096, 256>>>(c, Source(s), static_cast<uint32_t>(first), chunk, device);
                    if (!check(cudaGetLastError(), "launch") ||
                        !check(cudaMemcpy(host.data(), device, chunk, cudaMemcpyDeviceToHost), "cudaMemcpy")) {
                        return 1;
                    }
                    runs.add(first, host.data(), chunk);
                }
                if (!runs.write(folder, key)) return 1;
            } else {
                sweep<<<256, 256>>>(c, Source(s), 0, 1u << 16, device);
                if (!check(cudaGetLastError(), "launch") ||
                    !check(cudaMemcpy(host.data(), device, 1u << 16, cudaMemcpyDeviceToHost), "cudaMemcpy")) {
                    return 1;
                }
                std::vector<uint16_t> codes(host.begin(), host.begin() + (1u << 16));
                if (!recorder::write_npy(folder + "/" + key + ".npy", "<u2", codes.data(), 2, codes.size())) return 1;
            }
        }
    }
    for (int d = 0; d < DECODE_COUNT; ++d) {
        std::vector<uint16_t> values(256);
        decode<<<1, 256>>>(d, table);
        if (!check(cudaGetLastError(), "launch") ||
            !check(cudaMemcpy(values.data(), table, 256 * sizeof(unsigned short), cudaMemcpyDeviceToHost), "cudaMemcpy")) {
            return 1;
        }
        if (!recorder::write_npy(folder + "/" + kDecodeNames[d] + ".npy", "<u2", values.data(), 2, values.size())) return 1;
    }
    cudaFree(device);
    cudaFree(table);
    std::fprintf(stderr, "done: %s\n", folder.c_str());
    return 0;
}
