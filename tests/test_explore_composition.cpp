// Multi-species random structures (include/pestle/explore/random_structures.hpp, rss_loop.hpp):
// variable compositions, per-element volumes, MINSEP AUTO and the errors of bad compositions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "test_helpers.hpp"
#include "pestle/explore/rss_loop.hpp"
#include "pestle/reference/lennard_jones.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

CellComposition composition_of(const Structure& s) {
  CellComposition c;
  for (int z : s.numbers) ++c[z];
  return c;
}

RandomStructureParams silicon_carbon_range() {
  RandomStructureParams p;
  p.composition_range = {{14, {0, 3}}, {6, {0, 3}}};
  p.min_atoms = 1;
  p.max_atoms = 4;
  p.element_volume = {{14, 20.0}, {6, 6.0}};
  p.volume_spread = 0.2;
  p.min_separation = 1.8;
  p.pair_min_separation[{6, 6}] = 1.3;
  p.pair_min_separation[{6, 14}] = 1.6;
  return p;
}

/// 3C-SiC (zincblende, a = 4.36 Å): Si-C 1.888 Å, Si-Si and C-C 3.083 Å.
Structure zincblende_sic() {
  const double a = 4.36;
  Structure s;
  s.cell << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  s.pbc = {true, true, true};
  s.add_atom(14, Vec3(0, 0, 0));
  s.add_atom(6, Vec3(a / 4, a / 4, a / 4));
  return s;
}

nlohmann::json sic_config() {
  return nlohmann::json::parse(R"({
    "random_structures": {"composition": {"Si": [0, 3], "C": [0, 3]}, "atoms": [1, 4],
                          "volume_per_atom": {"Si": 20, "C": 6}, "min_separation": 1.8},
    "labeller": {"type": "reference", "file": "/usr/share/lammps/potentials/SiC.tersoff"},
    "fit": {"model": "ace_linear",
            "descriptor": {"type": "ace", "elements": ["Si", "C"], "cutoff": 4.0, "ranks": {"1": {"n_max": 4}}}},
    "initial_structures": 4, "iterations": 1, "rss_structures": 4, "select": 2, "validation_structures": 0
  })");
}

}  // namespace

TEST_CASE("variable composition: every allowed cell composition, reproducible, separations per pair", "[explore]") {
  const RandomStructureParams p = silicon_carbon_range();
  // (n_Si, n_C) in [0, 3]^2 with 1 <= n_Si + n_C <= 4: 13 pairs with a sum <= 4, minus the empty cell
  const std::vector<CellComposition> allowed = p.allowed_compositions();
  REQUIRE(allowed.size() == 12);
  const std::set<CellComposition> allowed_set(allowed.begin(), allowed.end());
  const RandomStructureGenerator gen({p}, 5), again({p}, 5);
  std::set<CellComposition> seen;
  for (std::uint64_t k = 0; k < 150; ++k) {
    const Structure s = gen.generate(k);
    const CellComposition c = composition_of(s);
    CHECK(allowed_set.count(c) == 1);
    seen.insert(c);
    const double v = p.cell_volume(c);
    CHECK(s.volume() >= 0.8 * v - 1e-9);
    CHECK(s.volume() <= 1.2 * v + 1e-9);
    for (int za : {6, 14})
      for (int zb : {6, 14}) CHECK(test::brute_shortest_distance(s, za, zb) >= p.separation(za, zb) - 1e-9);
    const Structure r = again.generate(k);
    CHECK(r.cell == s.cell);
    CHECK(r.numbers == s.numbers);
  }
  CHECK(seen.size() == allowed.size());  // 150 draws of 12 equally likely compositions
  CHECK(seen.count({{14, 1}}) == 1);     // the elemental ends are among them
  CHECK(seen.count({{6, 3}}) == 1);
}

TEST_CASE("a fixed formula unit keeps its multiples as the allowed compositions", "[explore]") {
  RandomStructureParams p;
  p.composition = {{14, 1}, {6, 1}};
  p.min_atoms = 2;
  p.max_atoms = 7;
  const std::vector<CellComposition> allowed = p.allowed_compositions();
  REQUIRE(allowed.size() == 3);
  CHECK(allowed[0] == CellComposition{{6, 1}, {14, 1}});
  CHECK(allowed[2] == CellComposition{{6, 3}, {14, 3}});
  CHECK(formula(allowed[1]) == "C2Si2");
}

TEST_CASE("MINSEP AUTO: per-pair separations measured from a known structure", "[explore]") {
  const auto dir = test::scratch_dir("minsep");
  Dataset known;
  Frame f;
  f.structure = zincblende_sic();
  known.push_back(f);
  write_extxyz((dir / "sic.xyz").string(), known);
  const auto m = measured_min_separations(known, 0.8);
  REQUIRE(m.size() == 3);
  const double si_c = 4.36 * std::sqrt(3.0) / 4.0, same = 4.36 / std::sqrt(2.0);
  CHECK(m.at({6, 14}) == Approx(0.8 * si_c).epsilon(1e-12));
  CHECK(m.at({6, 6}) == Approx(0.8 * same).epsilon(1e-12));
  CHECK(m.at({14, 14}) == Approx(0.8 * same).epsilon(1e-12));

  nlohmann::json set = {{"composition", {{"Si", 1}, {"C", 1}}}, {"atoms", {2, 4}}, {"volume_per_atom", 12},
                        {"min_separation", "auto"}, {"minsep_from", "sic.xyz"}, {"minsep_factor", 0.7}};
  const RandomStructureParams p = explore::detail::rss::parse_random_set(set, dir);
  CHECK(p.separation(14, 6) == Approx(0.7 * si_c));
  CHECK(p.separation(6, 6) == Approx(0.7 * same));
  // a pair the known structure lacks keeps the default
  Dataset silicon;
  Frame g;
  g.structure = zincblende_sic();
  g.structure.numbers = {14, 14};
  silicon.push_back(g);
  write_extxyz((dir / "si.xyz").string(), silicon);
  set["minsep_from"] = "si.xyz";
  set["minsep_default"] = 1.4;
  const RandomStructureParams q = explore::detail::rss::parse_random_set(set, dir);
  CHECK(q.separation(14, 14) == Approx(0.7 * si_c));
  CHECK(q.separation(6, 6) == 1.4);
  CHECK(q.separation(6, 14) == 1.4);
  const RandomStructureGenerator gen({q}, 2);
  for (std::uint64_t k = 0; k < 10; ++k) {
    const Structure s = gen.generate(k);
    CHECK(test::brute_shortest_distance(s, 14, 14) >= q.separation(14, 14) - 1e-9);
    CHECK(test::brute_shortest_distance(s, 6, 14) >= 1.4 - 1e-9);
  }
  set.erase("minsep_from");
  CHECK_THROWS_WITH(explore::detail::rss::parse_random_set(set, dir), Catch::Contains("minsep_from"));
  set["minsep_from"] = "missing.xyz";
  CHECK_THROWS_WITH(explore::detail::rss::parse_random_set(set, dir), Catch::Contains("missing.xyz"));
  set["min_separation"] = 2.0;
  CHECK_THROWS_WITH(explore::detail::rss::parse_random_set(set, dir), Catch::Contains("\"auto\""));
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad compositions are InputErrors naming the key and the species", "[explore]") {
  auto parse_with = [](const nlohmann::json& composition) {
    nlohmann::json j = sic_config();
    j["random_structures"]["composition"] = composition;
    return parse_rss_config(j, ".");
  };
  REQUIRE_NOTHROW(parse_with({{"Si", {0, 3}}, {"C", {0, 3}}}));
  CHECK_THROWS_WITH(parse_with({{"Si", {3, 1}}, {"C", {0, 3}}}), Catch::Contains("range of Si"));
  CHECK_THROWS_WITH(parse_with({{"Si", {0, 3}}, {"C", {-1, 2}}}), Catch::Contains("range of C"));
  CHECK_THROWS_WITH(parse_with({{"Si", {0, 3}}, {"C", {0, 0}}}), Catch::Contains("range of C"));
  CHECK_THROWS_WITH(parse_with({{"Si", {0, 3}}, {"C", {1, 2, 3}}}), Catch::Contains("\"composition\" of C"));
  CHECK_THROWS_WITH(parse_with({{"Si", {0, 3}}, {"C", "many"}}), Catch::Contains("\"composition\" of C"));
  CHECK_THROWS_WITH(parse_with({{"Si", 1}, {"C", {0, 3}}}), Catch::Contains("mixes"));
  CHECK_THROWS_WITH(parse_with({{"Si", {0, 3}}, {"Xx", {0, 3}}}), Catch::Contains("Xx"));
  CHECK_THROWS_WITH(parse_with(nlohmann::json::object()), Catch::Contains("composition"));
  // no count inside the ranges reaches the total of "atoms"
  nlohmann::json j = sic_config();
  j["random_structures"]["atoms"] = {7, 8};
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("add up"));
  // one carbon atom, 1.8 Å from its own images, does not fit 0.8 x 2 Å^3 (fill 1.9 > 0.74): named
  j = sic_config();
  j["random_structures"]["volume_per_atom"] = {{"Si", 20}, {"C", 2}};
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("cannot fit") && Catch::Contains("1 C atoms"));
  // SiC at 2.5 Å^3/atom, 1.6 Å apart: each species alone fits its cell (fill 0.54), the pair does not (1.07)
  j = sic_config();
  j["random_structures"] = {{"composition", {{"Si", 1}, {"C", 1}}}, {"atoms", {2, 2}}, {"volume_per_atom", 2.5},
                            {"min_separation", 1.6}};
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("CSi cannot fit") && Catch::Contains("2 C+Si atoms"));
  j = sic_config();
  j["random_structures"]["volume_per_atom"] = {{"Si", 20}};
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("none for C"));
}

TEST_CASE("an element the model or the labeller lacks is an InputError naming it", "[explore]") {
  nlohmann::json j = sic_config();
  j["fit"]["descriptor"]["elements"] = {"Si"};
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("contain C") && Catch::Contains("fit.descriptor.elements"));
  const RssConfig c = parse_rss_config(sic_config(), ".");
  const auto dir = test::scratch_dir("labeller");
  CHECK_THROWS_WITH(RssLoop(c, make_labeller({{"type", "reference"}, {"potential", "sw-si"}}), dir),
                    Catch::Contains("contain C") && Catch::Contains("sw-si"));
  nlohmann::json tersoff = {{"type", "reference"}, {"file", "/usr/share/lammps/potentials/SiC.tersoff"}};
  REQUIRE_NOTHROW(RssLoop(c, make_labeller(tersoff), dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("hookean_always keeps the wall on a model with a hole at short range", "[explore]") {
  // LJ with σ = 1 Å and a deep well at 1.12 Å: random structures 2.2 Å apart collapse into it.
  const LennardJones deep(14, LennardJonesParams{10.0, 1.0, 4.0});
  RandomStructureParams p;
  p.composition = {{14, 1}};
  p.min_atoms = 2;
  p.max_atoms = 4;
  p.min_separation = 2.2;
  const std::vector<Structure> start = RandomStructureGenerator({p}, 3).generate(0, 4);
  RssRelaxSettings r;
  r.max_steps = 150;
  r.hookean_k = 200.0;
  r.hookean_d_min = 2.0;
  r.hookean_steps = 20;
  auto shortest = [](const std::vector<RssMinimum>& minima) {
    double d = 1e300;
    for (const RssMinimum& m : minima) d = std::min(d, explore::detail::rss::shortest_distance(m.structure, 3.0));
    return d;
  };
  const std::vector<RssMinimum> free = relax_structures(deep, start, r);
  REQUIRE_FALSE(free.empty());
  CHECK(shortest(free) < 1.5);  // fell into the well once the wall was lifted
  r.hookean_always = true;
  const std::vector<RssMinimum> walled = relax_structures(deep, start, r);
  REQUIRE(walled.size() == start.size());
  CHECK(shortest(walled) > 1.8);
  nlohmann::json j = sic_config();
  j["relax"] = {{"hookean_k", 10.0}, {"hookean_always", true}};
  CHECK(parse_rss_config(j, ".").relax.hookean_always);
}

TEST_CASE("a two-species GAP loop lowers n_sparse to the environments a species has", "[explore]") {
  // Four random Si-C cells of 1-4 atoms hold far fewer environments per species than n_sparse = 500:
  // the first fit must lower it (per-species SOAP terms, add_species) rather than stop.
  nlohmann::json j = sic_config();
  j["fit"] = nlohmann::json::parse(R"({"model": "gap",
    "gap": "soap cutoff=3.0 cutoff_transition_width=0.5 n_max=3 l_max=2 atom_sigma=0.5 zeta=2 delta=0.2 covariance_type=dot_product n_sparse=500 sparse_method=cur_points add_species=T"})");
  const RssConfig c = parse_rss_config(j, ".");
  const auto dir = test::scratch_dir("gap_two_species");
  std::vector<std::string> lines;
  const RssReport r = RssLoop(c, make_labeller(c.labeller), dir, [&](const std::string& m) { lines.push_back(m); }).run(1);
  REQUIRE(r.iterations.size() == 1);
  CHECK(std::filesystem::exists(dir / "model.xml"));
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& m) { return m.find("lowering n_sparse") != std::string::npos; }));
  std::filesystem::remove_all(dir);
}
