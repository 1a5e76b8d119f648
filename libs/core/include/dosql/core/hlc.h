// dosql::core — hybrid logical clock and strictly increasing commit clocks.
//
// An HLC timestamp packs 48 bits of physical milliseconds and 16 bits of logical counter into a
// uint64 so that timestamps compare as integers, stay close to wall time, and never go backwards
// even when the wall clock does. All member functions are thread-safe (lock-free).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace dosql {

// Wall-clock time in microseconds since the Unix epoch.
int64_t WallMicros();

struct HlcTimestamp {
  uint64_t raw = 0;
  uint64_t physical_ms() const { return raw >> 16; }
  uint16_t logical() const { return static_cast<uint16_t>(raw & 0xffff); }
  static HlcTimestamp Make(uint64_t ms, uint16_t logical) { return {(ms << 16) | logical}; }
  friend auto operator<=>(HlcTimestamp, HlcTimestamp) = default;
};

class HybridLogicalClock {
 public:
  using PhysicalClock = std::function<uint64_t()>;  // returns milliseconds
  HybridLogicalClock();
  explicit HybridLogicalClock(PhysicalClock clock);

  // A timestamp for a local event: greater than every timestamp returned or observed before.
  HlcTimestamp Now();
  // Merges a timestamp received from another node; returns a timestamp greater than both.
  HlcTimestamp Update(HlcTimestamp remote);
  // Raises the clock to at least `ts` without creating an event (used by recovery).
  void Observe(HlcTimestamp ts);
  HlcTimestamp Last() const { return {last_.load(std::memory_order_acquire)}; }

 private:
  PhysicalClock clock_;
  std::atomic<uint64_t> last_{0};
};

// Hands out commit times (microseconds since the epoch) that strictly increase, even if the wall
// clock stalls or steps back. Thread-safe.
class MonotonicMicros {
 public:
  int64_t Next();
  void Observe(int64_t t);  // the next value will be > t
  int64_t Last() const { return last_.load(std::memory_order_acquire); }

 private:
  std::atomic<int64_t> last_{0};
};

}  // namespace dosql
