#include "dosql/core/crc32c.h"

#include <array>
#include <cstring>

namespace dosql::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct Tables {
  uint32_t t[8][256];
  constexpr Tables() : t{} {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr Tables kTables;

#if defined(__x86_64__)
// The crc32 instruction takes 3 cycles but can start one every cycle: three independent streams
// over consecutive blocks of kBlock bytes keep it busy, and their registers are then combined.
// The register is linear in (register, data): after A|B|C it is Z^(|B|+|C|)(r_A) ^ Z^|C|(r_B) ^
// r_C, where r_B, r_C start from 0 and Z^k feeds k zero bytes — Z^kBlock applied by tables.
constexpr size_t kBlock = 256;

__attribute__((target("sse4.2"))) uint64_t Crc64(uint64_t c, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
  }
  return c;
}

// shift[j][v] = Z^kBlock(v << 8j): a register advanced over kBlock zero bytes, byte by byte.
struct ShiftTables {
  uint32_t t[4][256];
};

__attribute__((target("sse4.2"))) ShiftTables MakeShiftTables() {
  ShiftTables s{};
  static const uint8_t kZeros[kBlock] = {};
  for (int j = 0; j < 4; j++) {
    for (uint32_t v = 0; v < 256; v++) {
      s.t[j][v] = static_cast<uint32_t>(Crc64(uint64_t{v} << (8 * j), kZeros, kBlock));
    }
  }
  return s;
}

uint32_t ShiftBlock(const ShiftTables& s, uint32_t c) {
  return s.t[0][c & 0xff] ^ s.t[1][(c >> 8) & 0xff] ^ s.t[2][(c >> 16) & 0xff] ^ s.t[3][c >> 24];
}

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t init, const void* data,
                                                          size_t n) {
  auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~init;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    n--;
  }
  if (n >= 3 * kBlock) {
    static const ShiftTables kShift = MakeShiftTables();
    do {
      uint64_t c1 = 0, c2 = 0;
      for (size_t i = 0; i < kBlock; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p + kBlock + i, 8);
        std::memcpy(&w2, p + 2 * kBlock + i, 8);
        c = __builtin_ia32_crc32di(c, w0);
        c1 = __builtin_ia32_crc32di(c1, w1);
        c2 = __builtin_ia32_crc32di(c2, w2);
      }
      c = ShiftBlock(kShift,
                     ShiftBlock(kShift, static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1)) ^
          c2;
      p += 3 * kBlock;
      n -= 3 * kBlock;
    } while (n >= 3 * kBlock);
  }
  c = Crc64(c, p, n);
  p += n & ~size_t{7};
  n &= 7;
  while (n > 0) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    n--;
  }
  return ~static_cast<uint32_t>(c);
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
bool DetectHardware() { return false; }
#endif

const bool kHardware = DetectHardware();

}  // namespace

uint32_t ExtendPortable(uint32_t init, const void* data, size_t n) {
  auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~init;
  const auto& t = kTables.t;
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    n--;
  }
  return ~c;
}

uint32_t Extend(uint32_t init, const void* data, size_t n) {
#if defined(__x86_64__)
  if (kHardware) return ExtendHardware(init, data, n);
#endif
  return ExtendPortable(init, data, n);
}

bool HardwareAccelerated() { return kHardware; }

}  // namespace dosql::crc32c
