#pragma once
// Paths and small utilities shared by the tests.
#include <string>

namespace pestle::test {

/// Path of a file under ../shared (the steering data: zuo2020/, reference/, ...).
inline std::string shared(const std::string& rel) { return std::string(PESTLE_SHARED_DIR) + "/" + rel; }
/// Path of a file under tests/ (e.g. the malformed-input corpus).
inline std::string testdata(const std::string& rel) { return std::string(PESTLE_TEST_DIR) + "/" + rel; }

}  // namespace pestle::test
