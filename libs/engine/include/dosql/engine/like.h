// dosql::engine — LIKE and GLOB pattern matching, exactly as SQLite's patternCompare().
//
// What it is for: the LIKE/GLOB operators and the like()/glob() functions.
//  - LIKE: '%' matches any sequence, '_' one character; ASCII letters match case-insensitively
//    (other characters, including non-ASCII letters, only match themselves); an optional ESCAPE
//    character makes the next pattern character literal.
//  - GLOB: '*', '?', and '[...]' classes with ranges 'a-z' and negation '^'; case-sensitive.
// Text is UTF-8 and decoded as SQLite does (invalid sequences become U+FFFD); both the text and
// the pattern end at their first NUL byte, as in SQLite's C-string implementation.
// Ownership: pure functions over caller-owned bytes. Threads: reentrant and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql::engine {

// The longest LIKE or GLOB pattern, in bytes (longer: "LIKE or GLOB pattern too complex").
inline constexpr size_t kMaxLikePatternBytes = 50000;

// Raw matchers over bytes. `escape` is a code point, or 0 for none.
bool LikeMatch(std::string_view pattern, std::string_view text, uint32_t escape = 0,
               bool case_sensitive = false);
bool GlobMatch(std::string_view pattern, std::string_view text);

// Decodes one UTF-8 character at `*pos` of `s` as SQLite's sqlite3Utf8Read does and advances
// `*pos`; returns 0 at the end of `s`.
uint32_t ReadUtf8(std::string_view s, size_t* pos);
// Appends code point `c` (at most 0x1fffff) in UTF-8, 1 to 4 bytes, as SQLite writes it.
void AppendUtf8(uint32_t c, std::string* out);
// Number of characters in `s` as SQLite counts them (up to the first NUL byte).
size_t Utf8CharCount(std::string_view s);

// SQL semantics of `text LIKE pattern [ESCAPE escape]` (the like() function): a BLOB operand
// never matches (0, even against NULL: SQLite built with SQLITE_LIKE_DOESNT_MATCH_BLOBS, as
// Debian's is); otherwise NULL operands give NULL; numbers are matched by their text; errors
// "ESCAPE expression must be a single character" and "LIKE or GLOB pattern too complex"
// (pattern longer than 50000 bytes).
[[nodiscard]] Result<Value> SqlLike(const Value& text, const Value& pattern,
                                    const Value* escape = nullptr);
// `text GLOB pattern` (the glob() function).
[[nodiscard]] Result<Value> SqlGlob(const Value& text, const Value& pattern);

}  // namespace dosql::engine
