// dosql-slt — MD5 (RFC 1321), used only for sqllogictest's "N values hashing to <md5>" results.
//
// Md5 is an incremental hasher: Update() any number of times, then Finish() once (after Finish()
// the object may be reused after Reset()). Not for security. A value type with no shared state;
// each thread uses its own instances.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dosql::slt {

class Md5 {
 public:
  using Digest = std::array<uint8_t, 16>;

  Md5() { Reset(); }

  // Starts a new message.
  void Reset();
  // Appends bytes to the message.
  void Update(std::string_view data);
  // Pads the message and returns its digest. Call Reset() before hashing another message.
  Digest Finish();
  // Finish() rendered as 32 lowercase hexadecimal digits.
  std::string FinishHex();

  // One-shot helpers.
  static Digest Hash(std::string_view data);
  static std::string HashHex(std::string_view data);
  static std::string ToHex(const Digest& digest);

 private:
  void Transform(const uint8_t block[64]);

  uint32_t state_[4];
  uint64_t length_ = 0;  // message length in bytes
  uint8_t buffer_[64];
  size_t buffered_ = 0;
};

}  // namespace dosql::slt
