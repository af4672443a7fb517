// LAMMPS data files: reading (header, tilt, Masses, Atoms with image flags), writing, and typed
// errors for malformed input.
#include <catch2/catch.hpp>

#include <sstream>

#include "pestle/data/lammps_data.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {
LammpsData parse(const std::string& text, std::vector<int> types = {14, 8}) {
  std::istringstream in(text);
  return read_lammps_data(in, types, "test.data");
}

const std::string triclinic = R"(title line

3 atoms
2 atom types

-1.0 4.0 xlo xhi
0.0 5.0 ylo yhi
0.0 6.0 zlo zhi
0.5 -0.25 1.5 xy xz yz

Masses

1 28.085
2 15.999

Atoms # atomic

3 2 1.0 2.0 3.0
1 1 0.0 0.0 0.0 1 0 -1
2 1 0.5 0.5 0.5

Velocities

1 0 0 0
2 0 0 0
3 0 0 0
)";
}  // namespace

TEST_CASE("LAMMPS data: triclinic box, masses, image flags, atoms sorted by id", "[io][lammps_data]") {
  const auto d = parse(triclinic);
  const auto& s = d.structure;
  REQUIRE(s.size() == 3);
  CHECK(d.ids == std::vector<int>{1, 2, 3});
  CHECK(d.types == std::vector<int>{1, 1, 2});
  CHECK(s.numbers == std::vector<int>{14, 14, 8});
  CHECK(d.masses == std::vector<double>{28.085, 15.999});
  CHECK(d.origin == Vec3(-1.0, 0.0, 0.0));
  Mat3 cell;
  cell << 5.0, 0, 0, 0.5, 5.0, 0, -0.25, 1.5, 6.0;
  CHECK(s.cell == cell);
  CHECK(s.pbc == std::array<bool, 3>{true, true, true});
  // image flags (1 0 -1) unwrap atom 1 by a - c
  CHECK((s.positions[0] - (Vec3(5.0, 0, 0) - Vec3(-0.25, 1.5, 6.0))).norm() < 1e-15);
  CHECK(s.positions[2] == Vec3(1.0, 2.0, 3.0));
}

TEST_CASE("LAMMPS data: write then read gives the same structure", "[io][lammps_data]") {
  auto s = parse(triclinic).structure;
  std::ostringstream out;
  write_lammps_data(out, s, {14, 8});
  std::istringstream in(out.str());
  const auto back = read_lammps_data(in, {14, 8});
  CHECK(back.structure.cell == s.cell);
  CHECK(back.structure.numbers == s.numbers);
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(back.structure.positions[i] == s.positions[i]);
  // a cell that is not lower-triangular cannot be written, nor a species without a type
  Structure r = s;
  r.cell(0, 1) = 0.3;
  std::ostringstream o2;
  CHECK_THROWS_AS(write_lammps_data(o2, r, {14, 8}), InputError);
  CHECK_THROWS_AS(write_lammps_data(o2, s, {14}), InputError);
}

TEST_CASE("LAMMPS data: reads the reference data file", "[io][lammps_data]") {
  const auto d = read_lammps_data(test::shared("data/reference/lammps-snap/inputs/Mo_test_f0.data"), {42});
  CHECK(d.structure.size() == 53);
  CHECK(d.structure.numbers[52] == 42);
}

TEST_CASE("LAMMPS data: malformed files give ParseError / InputError", "[io][lammps_data][errors]") {
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    const auto p = s.find(from);
    REQUIRE(p != std::string::npos);
    return s.replace(p, from.size(), to);
  };
  CHECK_THROWS_AS(parse(""), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "3 atoms\n", "")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "2 atom types\n", "")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "0.0 5.0 ylo yhi\n", "")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "0.0 6.0 zlo zhi", "6.0 0.0 zlo zhi")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "3 2 1.0 2.0 3.0", "3 2 1.0 abc 3.0")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "3 2 1.0 2.0 3.0", "3 3 1.0 2.0 3.0")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "3 2 1.0 2.0 3.0", "3 2 1.0 2.0")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "3 2 1.0 2.0 3.0", "2 2 1.0 2.0 3.0")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "Atoms # atomic", "Atoms # full")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "Masses", "Bonds")), ParseError);
  CHECK_THROWS_AS(parse(replace(triclinic, "2 atom types", "2 atom types\n1 bonds")), ParseError);
  CHECK_THROWS_AS(parse(triclinic.substr(0, triclinic.find("2 1 0.5"))), ParseError);
  CHECK_THROWS_AS(parse(triclinic, {14}), InputError);     // no atomic number for type 2
  CHECK_THROWS_AS(parse(triclinic, {14, 0}), InputError);  // not an element
  CHECK_THROWS_AS(read_lammps_data("/nonexistent/file.data", {14}), InputError);
  try {
    parse(replace(triclinic, "3 2 1.0 2.0 3.0", "3 2 1.0 abc 3.0"));
  } catch (const ParseError& e) {
    CHECK(e.line() == 18);
    CHECK(e.file() == "test.data");
  }
}
