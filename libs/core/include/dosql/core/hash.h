// dosql::core — fast non-cryptographic 64-bit hashing for hash tables, sharding and bloom filters.
// Pure functions; thread-safe. Stable across platforms and releases (values may be persisted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dosql {

uint64_t Hash64(const void* data, size_t n, uint64_t seed);
inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) {
  return Hash64(s.data(), s.size(), seed);
}
// Finalizer for a single 64-bit integer (a bijection: distinct inputs give distinct outputs).
inline uint64_t HashInt64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace dosql
