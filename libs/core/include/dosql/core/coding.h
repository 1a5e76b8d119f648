// dosql::core — fixed-width and variable-length integer coding.
//
// Fixed-width helpers read/write little-endian (storage formats) or big-endian (order-preserving
// keys). Varints are unsigned LEB128 (1..10 bytes); signed values use zigzag. Decoders are bounds
// checked: they never read past `limit` and report failure instead. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dosql {

inline void EncodeFixed16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
inline void EncodeFixed32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void EncodeFixed64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint16_t DecodeFixed16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t DecodeFixed32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t DecodeFixed64(const uint8_t* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

inline void PutFixed16(std::string* dst, uint16_t v) { dst->append(reinterpret_cast<char*>(&v), 2); }
inline void PutFixed32(std::string* dst, uint32_t v) { dst->append(reinterpret_cast<char*>(&v), 4); }
inline void PutFixed64(std::string* dst, uint64_t v) { dst->append(reinterpret_cast<char*>(&v), 8); }

inline void EncodeBigEndian64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline uint64_t DecodeBigEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

constexpr int kMaxVarint64Bytes = 10;

// Writes v as LEB128 into p (which must have kMaxVarint64Bytes room); returns bytes written.
inline int EncodeVarint64(uint8_t* p, uint64_t v) {
  int n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  return n;
}

inline int VarintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

inline void PutVarint64(std::string* dst, uint64_t v) {
  uint8_t buf[kMaxVarint64Bytes];
  int n = EncodeVarint64(buf, v);
  dst->append(reinterpret_cast<char*>(buf), n);
}

// Decodes a varint from [p, limit). Returns the byte after it, or nullptr if the input is
// truncated or longer than 10 bytes.
inline const uint8_t* DecodeVarint64(const uint8_t* p, const uint8_t* limit, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    uint64_t byte = *p++;
    if (byte & 0x80) {
      result |= (byte & 0x7f) << shift;
    } else {
      if (shift == 63 && byte > 1) return nullptr;  // overflows 64 bits
      result |= byte << shift;
      *v = result;
      return p;
    }
  }
  return nullptr;
}

// Consumes a varint from the front of *in. Returns false if malformed.
inline bool GetVarint64(std::string_view* in, uint64_t* v) {
  auto* p = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* q = DecodeVarint64(p, p + in->size(), v);
  if (q == nullptr) return false;
  in->remove_prefix(q - p);
  return true;
}

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Consumes n raw bytes from the front of *in into *out. Returns false if too short.
inline bool GetBytes(std::string_view* in, size_t n, std::string_view* out) {
  if (in->size() < n) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}
inline bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = DecodeFixed32(reinterpret_cast<const uint8_t*>(in->data()));
  in->remove_prefix(4);
  return true;
}
inline bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(reinterpret_cast<const uint8_t*>(in->data()));
  in->remove_prefix(8);
  return true;
}

}  // namespace dosql
