// Convex hull of formation energies (include/pestle/explore/convex_hull.hpp) on hand-checked points.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "pestle/explore/convex_hull.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

constexpr int C = 6, Si = 14, Ge = 32;

/// A point from its formation energy: E/N = E_f + Σ x_k μ_k.
HullPoint point(CellComposition atoms, double formation, const std::map<int, double>& mu, std::string id) {
  double n = 0.0, e = formation;
  for (const auto& [z, c] : atoms) n += c;
  for (const auto& [z, c] : atoms) e += c / n * mu.at(z);
  return {std::move(atoms), e, std::move(id)};
}

const HullEntry& entry(const ConvexHull& h, const std::string& id) {
  for (const HullEntry& e : h.entries)
    if (e.point.id == id) return e;
  FAIL("no entry " << id);
  throw;
}

}  // namespace

TEST_CASE("binary hull: formation energies, vertices and energies above the hull", "[explore][hull]") {
  const std::map<int, double> mu = {{C, -1.0}, {Si, -2.0}};
  const std::vector<HullPoint> points = {
      {{{C, 2}}, -1.0, "C"},         {{{C, 1}}, -0.5, "C-high"},   {{{Si, 1}}, -2.0, "Si"},
      {{{Si, 1}, {C, 1}}, -2.0, "SiC"},                           // E_f = -2 + 1.5 = -0.5
      point({{Si, 2}, {C, 2}}, -0.4, mu, "Si2C2"),                // 0.1 above the SiC vertex
      point({{Si, 1}, {C, 3}}, -0.1, mu, "SiC3"),                 // hull at x_Si 1/4: -0.25 -> 0.15 above
      point({{Si, 3}, {C, 1}}, -0.3, mu, "Si3C")};                // below the SiC-Si line (-0.25): a vertex
  const ConvexHull h = convex_hull(points);
  CHECK(h.elements == std::vector<int>{C, Si});
  CHECK(h.end_members.at(C) == -1.0);
  CHECK(h.end_members.at(Si) == -2.0);
  CHECK(entry(h, "SiC").formation_energy == Approx(-0.5));
  CHECK(entry(h, "SiC").fractions == std::vector<double>{0.5, 0.5});
  for (const char* on : {"C", "Si", "SiC", "Si3C"}) {
    CHECK(entry(h, on).on_hull);
    CHECK(entry(h, on).above_hull == Approx(0.0).margin(1e-12));
  }
  CHECK(entry(h, "C-high").above_hull == Approx(0.5));
  CHECK(entry(h, "Si2C2").above_hull == Approx(0.1));
  CHECK(entry(h, "SiC3").above_hull == Approx(0.15));
  CHECK_FALSE(entry(h, "SiC3").on_hull);
  const auto v = h.binary_vertices();
  REQUIRE(v.size() == 4);
  CHECK(reduced_formula(entry(h, "Si2C2").point.atoms) == "CSi");
}

TEST_CASE("binary hull: a point on a facet (collinear) is on the hull; nothing below zero", "[explore][hull]") {
  const std::map<int, double> mu = {{C, -7.0}, {Si, -4.5}};
  const std::vector<HullPoint> points = {point({{C, 1}}, 0.0, mu, "C"), point({{Si, 1}}, 0.0, mu, "Si"),
                                         point({{Si, 1}, {C, 1}}, -0.2, mu, "SiC"),
                                         point({{Si, 1}, {C, 3}}, -0.1, mu, "SiC3")};  // on the C-SiC line
  const ConvexHull h = convex_hull(points);
  CHECK(entry(h, "SiC3").on_hull);
  CHECK(entry(h, "SiC3").above_hull == Approx(0.0).margin(1e-9));
  // all points above zero: the hull is the line between the end members
  const ConvexHull flat = convex_hull({point({{C, 1}}, 0.0, mu, "C"), point({{Si, 1}}, 0.0, mu, "Si"),
                                       point({{Si, 1}, {C, 1}}, 0.3, mu, "SiC")});
  CHECK(entry(flat, "SiC").above_hull == Approx(0.3));
  CHECK(flat.binary_vertices().size() == 2);
}

TEST_CASE("ternary hull: the centroid against the AB + C facet", "[explore][hull]") {
  const std::map<int, double> mu = {{C, -7.0}, {Si, -4.5}, {Ge, -3.8}};
  const std::vector<HullPoint> points = {
      point({{C, 1}}, 0.0, mu, "C"), point({{Si, 1}}, 0.0, mu, "Si"), point({{Ge, 1}}, 0.0, mu, "Ge"),
      point({{C, 1}, {Si, 1}}, -0.3, mu, "SiC"),
      point({{C, 1}, {Si, 1}, {Ge, 1}}, -0.1, mu, "SiCGe-high"),  // hull at the centroid: 2/3 of -0.3 = -0.2
      point({{C, 2}, {Si, 2}, {Ge, 2}}, -0.25, mu, "SiCGe")};     // below it: a vertex
  const ConvexHull h = convex_hull(points);
  CHECK(h.elements.size() == 3);
  CHECK(entry(h, "SiCGe").on_hull);
  CHECK(entry(h, "SiCGe-high").above_hull == Approx(0.15));
  // without the low SiCGe point the centroid lies 0.1 above the SiC + Ge facet
  const ConvexHull g = convex_hull({points[0], points[1], points[2], points[3], points[4]});
  CHECK(entry(g, "SiCGe-high").above_hull == Approx(0.1));

  // The plot: the composition triangle with the hull's tie-lines. With the low SiCGe point the hull
  // has four facets around it (C-SiC, SiC-Si, C-Ge, Si-Ge and the four spokes to SiCGe); C-Si and
  // SiC-Ge pass above the hull and are not tie-lines.
  CHECK(tie_lines(h).size() == 8);
  CHECK(tie_lines(g).size() == 5);  // without it: C-SiC, SiC-Si, C-Ge, Si-Ge and SiC-Ge
  const auto file = std::filesystem::temp_directory_path() / ("pestle_test_ternary_" + std::to_string(::getpid()) + ".svg");
  write_hull_svg(file.string(), {{"model", h}, {"reference", g}});
  std::ifstream svg(file);
  std::stringstream text;
  text << svg.rdbuf();
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t pos = 0; (pos = text.str().find(what, pos)) != std::string::npos; ++pos) ++n;
    return n;
  };
  CHECK(count("class='tie-line'") == 8 + 5);
  CHECK(count("class='vertex'") == 5 + 4);
  CHECK(count("class='above-hull'") == 1 + 1);  // SiCGe-high, in both
  CHECK(text.str().find(">CSiGe -250<") != std::string::npos);  // the vertex named with its formation energy
  std::filesystem::remove(file);
}

TEST_CASE("convex hull: missing end member and bad points are InputErrors naming them", "[explore][hull]") {
  CHECK_THROWS_WITH(convex_hull({{{{C, 1}}, -7.0, "C"}, {{{C, 1}, {Si, 1}}, -6.0, "SiC"}}),
                    Catch::Contains("pure Si"));
  CHECK_THROWS_WITH(convex_hull({{{{C, 1}}, -7.0, "C"}}), Catch::Contains("two elements"));
  CHECK_THROWS_WITH(convex_hull({{{{C, 1}}, -7.0, "C"}, {{{Si, 1}}, std::nan(""), "bad"}}), Catch::Contains("'bad'"));
}

TEST_CASE("convex hull CSV and SVG files", "[explore][hull]") {
  const auto dir = std::filesystem::temp_directory_path() / ("pestle_test_hull_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const ConvexHull h = convex_hull({{{{C, 1}}, -7.0, "0"}, {{{Si, 1}}, -4.0, "1"}, {{{C, 1}, {Si, 1}}, -6.0, "2"}});
  write_hull_csv((dir / "hull.csv").string(), h);
  std::ifstream csv(dir / "hull.csv");
  std::string header, row;
  std::getline(csv, header);
  CHECK(header == "id,formula,atoms,x_C,x_Si,energy_eV_per_atom,formation_energy_eV_per_atom,e_above_hull_eV_per_atom,on_hull");
  std::getline(csv, row);  // sorted by x_C ascending: Si first
  CHECK(row == "1,Si,1,0,1,-4,0,0,1");
  std::getline(csv, row);
  CHECK(row == "2,CSi,2,0.5,0.5,-6,-0.5,0,1");
  write_hull_svg((dir / "hull.svg").string(), {{"model", h}, {"reference", h}});
  std::ifstream svg(dir / "hull.svg");
  std::stringstream text;
  text << svg.rdbuf();
  CHECK(text.str().find("reference hull") != std::string::npos);
  std::filesystem::remove_all(dir);
}
