// Test-only helpers for Status and Result<T>, shared by every library's test binary (linked by
// dosql_test through the dosql_test_util interface target; never by a library).
//
//   ASSERT_OK(expr) / EXPECT_OK(expr)  — fail the test, naming expr and the status; both accept
//                                        a trailing `<< message`, like the gtest macros.
//   Unwrap(result)                      — the value, or a recorded failure and abort.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <utility>

#include "dosql/core/status.h"

#define ASSERT_OK(expr)                                 \
  switch (0)                                            \
  case 0:                                               \
  default:                                              \
    if (const ::dosql::Status _st = (expr); _st.ok()) { \
    } else                                              \
      FAIL() << #expr << ": " << _st.ToString()

#define EXPECT_OK(expr)                                 \
  switch (0)                                            \
  case 0:                                               \
  default:                                              \
    if (const ::dosql::Status _st = (expr); _st.ok()) { \
    } else                                              \
      ADD_FAILURE() << #expr << ": " << _st.ToString()

namespace dosql::test_util {

template <typename T>
T Unwrap(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

}  // namespace dosql::test_util
