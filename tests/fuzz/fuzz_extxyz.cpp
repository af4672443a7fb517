// libFuzzer target for the extended-XYZ reader and writer (docs/extxyz.md, "Fuzzing").
// Contract: for any input, parse_extxyz either throws pestle::ParseError naming a line of
// the input, or returns frames that validate() and survive write -> read -> write
// unchanged. Any other outcome (crash, sanitizer report, other exception, broken round
// trip) aborts, which libFuzzer records as a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "../test_extxyz_contract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string verdict = pestle::test::check_extxyz_contract(text);
  if (!verdict.empty()) {
    std::fprintf(stderr, "extxyz contract violated: %s\n", verdict.c_str());
    std::abort();
  }
  return 0;
}
