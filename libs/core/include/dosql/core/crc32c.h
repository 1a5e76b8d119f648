// dosql::core — CRC32C (Castagnoli), used to checksum every page, WAL record and manifest entry.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at startup) and a
// table-driven slicing-by-8 implementation otherwise. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dosql::crc32c {

// Returns the CRC32C of `data` continuing from the CRC `init` of the bytes before it.
uint32_t Extend(uint32_t init, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// True when the hardware path is in use (reported by tools and benchmarks).
bool HardwareAccelerated();

// The portable implementation, exposed so tests can compare it against the hardware one.
uint32_t ExtendPortable(uint32_t init, const void* data, size_t n);

}  // namespace dosql::crc32c
