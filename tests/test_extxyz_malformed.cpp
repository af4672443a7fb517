#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "pestle/data.hpp"
#include "test_extxyz_contract.hpp"
#include "test_helpers.hpp"

using namespace pestle;
namespace fs = std::filesystem;

namespace {

struct Expected {
  std::size_t line;
  const char* reason;  // substring of ParseError::reason()
};

// One file per case in tests/data/extxyz/malformed/; every file there must be listed.
const std::map<std::string, Expected> malformed_cases = {
    {"atom_count_extra_token", {1, "expected an atom count"}},
    {"atom_count_missing", {1, "expected an atom count"}},
    {"atom_count_negative", {1, "negative atom count"}},
    {"atom_count_not_integer", {1, "expected an atom count"}},
    {"atom_count_too_large", {5, "expected 7 columns"}},
    {"atom_count_too_small", {4, "expected an atom count"}},
    {"blank_line_between_frames", {5, "blank line"}},
    {"columns_too_few", {4, "expected 7 columns"}},
    {"columns_too_many", {4, "got 8"}},
    {"config_type_array", {2, "config_type must be a string"}},
    {"crlf_truncated_frame", {5, "file ends inside a frame"}},
    {"duplicated_info_key", {2, "duplicated key 'note'"}},
    {"duplicated_key", {2, "duplicated key 'energy'"}},
    {"duplicated_lattice_case", {2, "duplicated key 'lattice'"}},
    {"duplicated_weight", {2, "duplicated key 'config_weight'"}},
    {"empty_key", {2, "empty key"}},
    {"energy_array", {2, "energy must be a number"}},
    {"energy_inf", {2, "energy is not finite"}},
    {"energy_nan", {2, "energy is not finite"}},
    {"energy_not_numeric", {2, "energy must be a number"}},
    {"force_nan", {4, "force is not finite"}},
    {"force_not_numeric", {4, "force 'x' is not a number"}},
    {"integer_column_not_integer", {4, "'1.5' is not an integer"}},
    {"lattice_inf", {2, "Lattice has a non-finite entry"}},
    {"lattice_missing_with_pbc", {2, "periodic but its lattice vector is zero"}},
    {"lattice_nan", {2, "Lattice has a non-finite entry"}},
    {"lattice_not_numeric", {2, "Lattice must be 9 numbers"}},
    {"lattice_singular", {2, "cell is singular"}},
    {"lattice_wrong_count", {2, "Lattice must be 9 numbers, got 8"}},
    {"logical_column_bad", {4, "'maybe' is not T or F"}},
    {"missing_pos", {2, "has no pos:R:3 column"}},
    {"missing_species_and_z", {2, "neither a species:S:1 nor a Z:I:1"}},
    {"nested_array", {2, "nested arrays"}},
    {"pbc_two_values", {2, "pbc must be three booleans"}},
    {"position_inf", {3, "position is not finite"}},
    {"position_nan", {4, "position is not finite"}},
    {"position_not_numeric", {4, "position 'abc' is not a number"}},
    {"properties_bad_count", {2, "column count '0'"}},
    {"properties_bad_type", {2, "type 'X'"}},
    {"properties_duplicate_column", {2, "names column 'force' twice"}},
    {"properties_not_triples", {2, "name:type:columns triples"}},
    {"properties_pos_wrong_shape", {2, "'pos' must be R:3"}},
    {"quote_mismatched", {2, "unexpected 'T' after the value of key 'Lattice'"}},
    {"second_frame_bad_position", {8, "position '1e999' is not a number"}},
    {"stress_wrong_count", {2, "stress must be 9 or 6 (Voigt) numbers, got 5"}},
    {"text_after_quote", {2, "unexpected 'b' after the value of key 'note'"}},
    {"truncated_after_count", {2, "file ends after the atom count line"}},
    {"truncated_frame", {5, "file ends inside a frame: 2 of 3"}},
    {"unknown_element", {4, "unknown element 'Xx'"}},
    {"unterminated_array", {2, "unterminated array"}},
    {"unterminated_quote", {2, "unterminated quoted string"}},
    {"unterminated_quote_escape", {2, "unterminated quoted string"}},
    {"value_missing", {2, "has '=' but no value"}},
    {"virial_nan", {2, "virial has a non-finite entry"}},
    {"weight_negative", {2, "weight must be finite and non-negative"}},
    {"z_disagrees_with_species", {4, "Z=13 disagrees with species Si"}},
    {"z_unknown", {4, "unknown atomic number '0'"}},
};

std::vector<fs::path> files_in(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(test::testdata(dir)))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("extxyz malformed corpus: each file raises ParseError with its line and reason", "[extxyz][malformed]") {
  std::size_t seen = 0;
  for (const auto& path : files_in("data/extxyz/malformed")) {
    const std::string stem = path.stem().string();
    INFO(stem);
    const auto it = malformed_cases.find(stem);
    REQUIRE(it != malformed_cases.end());  // a new corpus file needs a table entry
    ++seen;
    try {
      (void)read_extxyz(path.string());
      FAIL("no ParseError");
    } catch (const ParseError& e) {
      INFO(e.what());
      CHECK(e.file() == path.string());
      CHECK(e.line() == it->second.line);
      CHECK_THAT(e.reason(), Catch::Contains(it->second.reason));
      CHECK_THAT(std::string(e.what()), Catch::StartsWith(path.string() + ":" + std::to_string(e.line()) + ": "));
    }
  }
  CHECK(seen == malformed_cases.size());
}

TEST_CASE("extxyz contract holds for every malformed and fuzz-corpus file", "[extxyz][malformed]") {
  std::size_t n = 0;
  for (const char* dir : {"data/extxyz/malformed", "data/extxyz/fuzz_corpus", "data/extxyz/valid"}) {
    for (const auto& path : files_in(dir)) {
      INFO(path.string());
      CHECK(test::check_extxyz_contract(slurp(path)) == "");
      ++n;
    }
  }
  CHECK(n >= malformed_cases.size() + 20);
}

namespace {

// A valid two-frame file that exercises most of the dialect, as the seed of the mutants.
const std::string mutation_seed =
    "3\n"
    "Lattice=\"4.05 0 0 0.1 4.05 0 0 0.2 4.05\" Properties=species:S:1:pos:R:3:force:R:3:tags:I:1:fix:L:1:lbl:S:1 "
    "energy=-12.5 stress=\"0.1 0.02 0.03 0.02 0.2 0.04 0.03 0.04 0.3\" pbc=\"T T F\" config_type=\"bulk a\" "
    "weight=2 note='x y' n=3 arr=[1, 2.5] b={T F} s=[\"p\", q]\n"
    "Al 0 0 0 0.1 -0.2 0.3 1 T a\n"
    "Al 2.025 2.025 0 -0.1 0.2 -0.3 2 F b\n"
    "O 0 2.025 2.025 0 0 0 3 T c\n"
    "2\n"
    "Properties=Z:I:1:pos:R:3 virial=\"1 2 3 4 5 6\" bare\n"
    "1 0 0 0\n"
    "1 0 0 0.74\n";

}  // namespace

TEST_CASE("extxyz contract holds for thousands of deterministic mutants", "[extxyz][malformed]") {
  REQUIRE(test::check_extxyz_contract(mutation_seed) == "");
  REQUIRE(parse_extxyz(mutation_seed).size() == 2);
  std::mt19937_64 rng(20261123);
  const std::string alphabet = " \n\t\"'=:[]{},.-+eE0123456789TFnaix\\\r";
  std::size_t accepted = 0, rejected = 0;
  for (int m = 0; m < 4000; ++m) {
    std::string s = mutation_seed;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      const std::size_t at = rng() % s.size();
      const char c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0: s[at] = c; break;                               // flip
        case 1: s.erase(at, 1 + rng() % 3); break;              // delete
        case 2: s.insert(at, 1, c); break;                      // insert
        default: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 8)); break;  // duplicate a snippet
      }
    }
    const std::string verdict = test::check_extxyz_contract(s);
    if (!verdict.empty()) {
      INFO("mutant " << m << ":\n" << s);
      FAIL(verdict);
    }
    try {
      (void)parse_extxyz(s);
      ++accepted;
    } catch (const ParseError&) {
      ++rejected;
    }
  }
  // Both outcomes must be common, or the mutants test little.
  CHECK(accepted > 200);
  CHECK(rejected > 1000);
}
