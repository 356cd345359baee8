// Host helpers of record_cuda.cu, plain C++ (no CUDA): writing .npy files and turning a stream
// of codes into runs. Kept apart so that they can be compiled and checked without a GPU:
//
//     c++ -std=c++17 -x c++ -DNPY_RUNS_SELF_TEST Conformance/cuda/npy_runs.h -o /tmp/npy_runs && /tmp/npy_runs /tmp
//
// (python/tests/test_recorder_tools.py does this and reads the files back with NumPy.)
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace recorder {

// Writes a 1-D little-endian .npy of `count` elements of numpy type `descr` ("<u2", "<u4").
// Returns false (with a message on stderr) when the file cannot be written.
inline bool write_npy(const std::string& path, const char* descr, const void* data, size_t element_bytes, size_t count) {
    std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" +
                         std::to_string(count) + ",), }";
    // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64
    // bytes and ended by a newline (NPY format version 1.0).
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        std::fprintf(stderr, "record_cuda: cannot write %s\n", path.c_str());
        return false;
    }
    const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    const uint16_t length = static_cast<uint16_t>(header.size());
    const unsigned char length_bytes[2] = {static_cast<unsigned char>(length & 0xFF), static_cast<unsigned char>(length >> 8)};
    bool ok = std::fwrite(magic, 1, 8, f) == 8 && std::fwrite(length_bytes, 1, 2, f) == 2 &&
              std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
              (count == 0 || std::fwrite(data, element_bytes, count, f) == count);
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) std::fprintf(stderr, "record_cuda: writing %s failed\n", path.c_str());
    return ok;
}

// The runs of a sequence of codes fed in order, chunk by chunk: starts[k] is the first input of
// run k, codes[k] its code (the layout of Conformance/README.md).
struct Runs {
    std::vector<uint32_t> starts;
    std::vector<uint16_t> codes;

    // Adds the codes of inputs first .. first + count - 1.
    void add(uint64_t first, const uint8_t* chunk, size_t count) {
        for (size_t i = 0; i < count; ++i) {
            if (codes.empty() || codes.back() != chunk[i]) {
                starts.push_back(static_cast<uint32_t>(first + i));
                codes.push_back(chunk[i]);
            }
        }
    }

    bool write(const std::string& folder, const std::string& key) const {
        return write_npy(folder + "/" + key + "__start.npy", "<u4", starts.data(), 4, starts.size()) &&
               write_npy(folder + "/" + key + "__code.npy", "<u2", codes.data(), 2, codes.size());
    }
};

}  // namespace recorder

#ifdef NPY_RUNS_SELF_TEST
// Writes a run set into the folder given (default /tmp), reads a file back, checks its layout.
int main(int argc, char** argv) {
    using namespace recorder;
    const std::string folder = argc > 1 ? argv[1] : "/tmp";
    const uint8_t chunk1[] = {5, 5, 7, 7}, chunk2[] = {7, 1, 1, 5};
    Runs runs;
    runs.add(0, chunk1, 4);
    runs.add(4, chunk2, 4);
    const std::vector<uint32_t> starts = {0, 2, 5, 7};
    const std::vector<uint16_t> codes = {5, 7, 1, 5};
    if (runs.starts != starts || runs.codes != codes) { std::puts("runs: wrong"); return 1; }
    if (!runs.write(folder, "npy_runs_self_test")) return 1;
    FILE* f = std::fopen((folder + "/npy_runs_self_test__start.npy").c_str(), "rb");
    if (!f) return 1;
    unsigned char buffer[256];
    size_t n = std::fread(buffer, 1, sizeof buffer, f);
    std::fclose(f);
    size_t header = 10 + (buffer[8] | (buffer[9] << 8));
    if (header % 64 != 0 || n != header + 16 || buffer[header - 1] != '\n') { std::puts("npy: wrong layout"); return 1; }
    std::puts("ok");
    return 0;
}
#endif
