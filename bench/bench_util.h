// Helpers shared by the benchmark programs in bench/: deterministic pseudo-random numbers, the
// CPU model for reports, and comma-separated option lists. Header-only; single-threaded use.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace dosql::bench {

// SplitMix64: a well-mixed 64-bit value from any input (deterministic data generation).
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The "model name" line of /proc/cpuinfo, or "unknown".
inline std::string ReadCpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) {
        std::string m = line.substr(pos + 1);
        while (!m.empty() && m.front() == ' ') m.erase(m.begin());
        return m;
      }
    }
  }
  return "unknown";
}

// "a,b,,c" -> {"a", "b", "c"} (--only lists).
inline std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace dosql::bench
