#include <catch2/catch.hpp>

#include "pestle/core.hpp"

using namespace pestle;

TEST_CASE("element symbols and atomic numbers round trip for all 118 elements", "[core]") {
  for (int z = 1; z <= max_atomic_number; ++z) CHECK(atomic_number(element_symbol(z)) == z);
  CHECK(atomic_number("Si") == 14);
  CHECK(atomic_number("Og") == 118);
  CHECK(find_atomic_number("si") == 0);
  CHECK_THROWS_AS(atomic_number("Xx"), InputError);
  CHECK_THROWS_AS(element_symbol(0), InputError);
  CHECK(atomic_mass(42) == Approx(95.95));
}

TEST_CASE("structure validation rejects inconsistent input", "[core]") {
  Structure s;
  s.cell = Mat3::Identity() * 4.0;
  s.pbc = {true, true, true};
  s.add_atom(14, Vec3(0, 0, 0));
  CHECK_NOTHROW(s.validate());
  CHECK(s.volume() == Approx(64.0));
  CHECK((s.fractional(Vec3(2, 1, 0)) - Vec3(0.5, 0.25, 0)).norm() < 1e-15);

  Structure bad = s;
  bad.numbers.push_back(14);
  CHECK_THROWS_AS(bad.validate(), InputError);
  bad = s;
  bad.numbers[0] = 0;
  CHECK_THROWS_AS(bad.validate(), InputError);
  bad = s;
  bad.positions[0].x() = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(bad.validate(), InputError);
  bad = s;
  bad.cell.row(2) = bad.cell.row(0);
  CHECK_THROWS_AS(bad.validate(), InputError);
}

TEST_CASE("labels convert a virial into a stress with the ASE sign", "[core]") {
  Labels l;
  l.virial = Mat3::Identity() * 2.0;
  const auto s = l.stress_or_from_virial(4.0);
  REQUIRE(s);
  CHECK((*s)(0, 0) == Approx(-0.5));
}

TEST_CASE("info keeps insertion order and typed access", "[core]") {
  Info info;
  info.set("b", 1.5);
  info.set("a", std::string("x"));
  info.set("b", std::int64_t{3});
  REQUIRE(info.entries().size() == 2);
  CHECK(info.entries()[0].first == "b");
  CHECK(info.get<std::int64_t>("b") == 3);
  CHECK(!info.get<double>("b"));
}

#include "pestle/neighbours/neighbour_list.hpp"

TEST_CASE("cubic supercells have the coordination of their lattice", "[core]") {
  const double a = 3.0;
  struct Case { const std::vector<Vec3>* basis; std::size_t atoms_per_cell; double first_shell; std::size_t coordination; };
  for (const Case& c : {Case{&cubic_basis::sc, 1, a, 6}, Case{&cubic_basis::bcc, 2, a * std::sqrt(3.0) / 2, 8},
                        Case{&cubic_basis::fcc, 4, a / std::sqrt(2.0), 12}, Case{&cubic_basis::diamond, 8, a * std::sqrt(3.0) / 4, 4}}) {
    const Structure s = cubic_supercell(*c.basis, a, 2, 14);
    REQUIRE(s.size() == 8 * c.atoms_per_cell);
    NeighbourOptions opt;
    opt.cutoff = c.first_shell * 1.01;
    const auto nl = build_neighbour_list(s, opt);
    for (std::size_t i = 0; i < s.size(); ++i) CHECK(nl.count(i) == c.coordination);
  }
  Structure r = cubic_supercell(cubic_basis::bcc, a, 2, 42);
  const Structure before = r;
  rattle(r, 0.05, 7);
  double shift = 0.0;
  for (std::size_t i = 0; i < r.size(); ++i) shift = std::max(shift, (r.positions[i] - before.positions[i]).norm());
  CHECK(shift > 0.0);
  CHECK(shift < 0.5);
  CHECK_THROWS_AS(cubic_supercell(cubic_basis::bcc, -1.0, 2, 42), InputError);
}
