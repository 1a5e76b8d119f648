#include "dosql/core/hlc.h"

#include <chrono>

namespace dosql {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HybridLogicalClock::HybridLogicalClock()
    : clock_([] { return static_cast<uint64_t>(WallMicros() / 1000); }) {}
HybridLogicalClock::HybridLogicalClock(PhysicalClock clock) : clock_(std::move(clock)) {}

HlcTimestamp HybridLogicalClock::Now() {
  uint64_t phys = HlcTimestamp::Make(clock_() & ((1ULL << 48) - 1), 0).raw;
  uint64_t prev = last_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t next = phys > prev ? phys : prev + 1;
    if (last_.compare_exchange_weak(prev, next, std::memory_order_acq_rel)) return {next};
  }
}

HlcTimestamp HybridLogicalClock::Update(HlcTimestamp remote) {
  uint64_t phys = HlcTimestamp::Make(clock_() & ((1ULL << 48) - 1), 0).raw;
  uint64_t prev = last_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t base = prev > remote.raw ? prev : remote.raw;
    uint64_t next = phys > base ? phys : base + 1;
    if (last_.compare_exchange_weak(prev, next, std::memory_order_acq_rel)) return {next};
  }
}

void HybridLogicalClock::Observe(HlcTimestamp ts) {
  uint64_t prev = last_.load(std::memory_order_relaxed);
  while (prev < ts.raw &&
         !last_.compare_exchange_weak(prev, ts.raw, std::memory_order_acq_rel)) {
  }
}

int64_t MonotonicMicros::Next() {
  int64_t now = WallMicros();
  int64_t prev = last_.load(std::memory_order_relaxed);
  for (;;) {
    int64_t next = now > prev ? now : prev + 1;
    if (last_.compare_exchange_weak(prev, next, std::memory_order_acq_rel)) return next;
  }
}

void MonotonicMicros::Observe(int64_t t) {
  int64_t prev = last_.load(std::memory_order_relaxed);
  while (prev < t && !last_.compare_exchange_weak(prev, t, std::memory_order_acq_rel)) {
  }
}

}  // namespace dosql
