#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "pestle/data.hpp"
#include "test_extxyz_contract.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

struct ZuoFile {
  const char* name;
  std::size_t frames;
  std::size_t atoms;
  std::size_t min_atoms, max_atoms;
  int z;
  std::size_t first_atoms;
  double first_energy;
};

// Counts from an independent scan of the files (count lines and the energy= of frame 0).
const ZuoFile zuo_files[] = {
    {"Cu_test", 31, 3178, 20, 108, 29, 107, -426.34693886},
    {"Cu_train", 262, 27416, 6, 108, 29, 107, -426.29982847},
    {"Ge_test", 25, 1568, 40, 64, 32, 63, -277.97797002},
    {"Ge_train", 228, 14072, 12, 64, 32, 63, -278.40474351},
    {"Li_test", 29, 1320, 2, 54, 3, 53, -98.37064693},
    {"Li_train", 241, 11576, 2, 84, 3, 53, -98.30410711},
    {"Mo_test", 23, 1189, 24, 54, 42, 53, -539.80255298},
    {"Mo_train", 194, 10087, 2, 54, 42, 53, -569.56177802},
    {"Ni_test", 31, 3158, 12, 108, 28, 107, -604.94465532},
    {"Ni_train", 263, 27420, 6, 108, 28, 107, -604.26225029},
    {"Si_test", 25, 1525, 24, 64, 14, 63, -297.62773938},
    {"Si_train", 214, 13233, 12, 96, 14, 63, -295.49753016},
};

Frame only(const Dataset& d) {
  REQUIRE(d.size() == 1);
  return d[0];
}

}  // namespace

TEST_CASE("extxyz reads all twelve Zuo et al. (2020) files", "[extxyz]") {
  for (const auto& z : zuo_files) {
    INFO(z.name);
    const Dataset d = read_extxyz(test::shared(std::string("data/zuo2020/") + z.name + ".xyz"));
    REQUIRE(d.size() == z.frames);
    CHECK(d.atom_count() == z.atoms);
    std::size_t lo = 1000000, hi = 0;
    for (const auto& f : d) {
      lo = std::min(lo, f.size());
      hi = std::max(hi, f.size());
      REQUIRE(f.labels.energy.has_value());
      REQUIRE(f.labels.forces.has_value());
      CHECK(f.labels.forces->size() == f.size());
      CHECK(f.structure.pbc == std::array<bool, 3>{true, true, true});
      CHECK(f.structure.volume() > 0.0);
    }
    CHECK(lo == z.min_atoms);
    CHECK(hi == z.max_atoms);
    CHECK(d.species() == std::vector<int>{z.z});
    const Frame& f0 = d[0];
    CHECK(f0.size() == z.first_atoms);
    CHECK(*f0.labels.energy == z.first_energy);
    // momenta and masses are kept; Z agrees with species and is not duplicated.
    REQUIRE(f0.atom_properties.size() == 2);
    CHECK(f0.atom_properties[0].name == "momenta");
    CHECK(f0.atom_properties[0].columns == 3);
    CHECK(f0.atom_properties[1].name == "masses");
    CHECK(f0.atom_properties[1].reals.size() == f0.size());
    CHECK(f0.labels.info.empty());
  }
}

TEST_CASE("extxyz reads the triclinic Si cell row by row and the first atom exactly", "[extxyz]") {
  const Frame f = read_extxyz_frame(test::shared("data/zuo2020/Si_train.xyz"));
  // Lattice="14.22366000 5.59192100 15.55731400 0.00000000 9.05593500 0.27217900 0 0 9.17819400"
  CHECK(f.structure.cell(0, 0) == 14.22366);
  CHECK(f.structure.cell(0, 1) == 5.591921);
  CHECK(f.structure.cell(0, 2) == 15.557314);
  CHECK(f.structure.cell(1, 0) == 0.0);
  CHECK(f.structure.cell(1, 2) == 0.272179);
  CHECK(f.structure.cell(2, 2) == 9.178194);
  CHECK(f.structure.positions[0].x() == 0.29508405);
  CHECK(f.structure.positions[0].y() == 9.03355219);
  CHECK((*f.labels.forces)[0].z() == 3.48143607);
  CHECK(f.structure.numbers[0] == 14);
  const Frame f3 = read_extxyz_frame(test::shared("data/zuo2020/Si_train.xyz"), 3);
  CHECK(f3.size() > 0);
  CHECK_THROWS_AS(read_extxyz_frame(test::shared("data/zuo2020/Si_test.xyz"), 25), InputError);
}

TEST_CASE("extxyz round trips the Zuo files bit for bit", "[extxyz]") {
  for (const auto& z : zuo_files) {
    INFO(z.name);
    const Dataset d = read_extxyz(test::shared(std::string("data/zuo2020/") + z.name + ".xyz"));
    const std::string text = to_extxyz(d);
    const Dataset e = parse_extxyz(text);
    REQUIRE(e.size() == d.size());
    for (std::size_t i = 0; i < d.size(); ++i) REQUIRE(test::compare_frames(d[i], e[i]) == "");
    CHECK(to_extxyz(e) == text);
  }
}

TEST_CASE("extxyz comment line: typed info values, recognised keys, bare keys", "[extxyz]") {
  const std::string text =
      "1\n"
      "lattice=\"2 0 0 0 3 0 0 0 4\" PROPERTIES=species:S:1:pos:R:3 energy=-3 config_type=\"bulk fcc\" "
      "config_weight=0.5 n=7 x=2.5 e=1e-3 flag=T other=False s=hello q='single quoted' esc=\"a \\\"b\\\" \\\\c\\n\" "
      "v=\"1 2 3\" w=\"1.5 2 3\" b=\"T F T\" arr=[1, 2, 3] curly={1.5 2.5} sarr=[\"x y\", z] one=[4] empty=[] "
      "commas=1,2 bare plain\n"
      "si 0 0 0\n";
  const Frame f = only(parse_extxyz(text));
  CHECK(f.structure.numbers == std::vector<int>{14});
  CHECK(f.structure.pbc == std::array<bool, 3>{true, true, true});  // Lattice without pbc: periodic
  CHECK(f.structure.cell(1, 1) == 3.0);
  CHECK(*f.labels.energy == -3.0);
  CHECK(f.labels.config_type == "bulk fcc");
  CHECK(f.labels.weight == 0.5);
  CHECK_FALSE(f.labels.forces.has_value());
  const Info& info = f.labels.info;
  std::vector<std::string> keys;
  for (const auto& e : info.entries()) keys.push_back(e.first);
  CHECK(keys == std::vector<std::string>{"n", "x", "e", "flag", "other", "s", "q", "esc", "v", "w", "b", "arr",
                                         "curly", "sarr", "one", "empty", "commas", "bare", "plain"});
  CHECK(info.get<std::int64_t>("n") == 7);
  CHECK(info.get<double>("x") == 2.5);
  CHECK(info.get<double>("e") == 1e-3);
  CHECK(info.get<bool>("flag") == true);
  CHECK(info.get<bool>("other") == false);
  CHECK(info.get<std::string>("s") == "hello");
  CHECK(info.get<std::string>("q") == "single quoted");
  CHECK(info.get<std::string>("esc") == "a \"b\" \\c\n");
  CHECK(info.get<std::vector<std::int64_t>>("v") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(info.get<std::vector<double>>("w") == std::vector<double>{1.5, 2, 3});
  CHECK(info.get<std::vector<bool>>("b") == std::vector<bool>{true, false, true});
  CHECK(info.get<std::vector<std::int64_t>>("arr") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(info.get<std::vector<double>>("curly") == std::vector<double>{1.5, 2.5});
  CHECK(info.get<std::vector<std::string>>("sarr") == std::vector<std::string>{"x y", "z"});
  CHECK(info.get<std::vector<std::int64_t>>("one") == std::vector<std::int64_t>{4});
  CHECK(info.get<std::vector<double>>("empty") == std::vector<double>{});
  CHECK(info.get<std::vector<std::int64_t>>("commas") == std::vector<std::int64_t>{1, 2});
  CHECK(std::holds_alternative<std::monostate>(*info.find("bare")));
  CHECK(std::holds_alternative<std::monostate>(*info.find("plain")));
}

TEST_CASE("extxyz stress and virial: 9 values and 6 Voigt values", "[extxyz]") {
  const std::string head = "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 pbc=[T, T, F] ";
  const Frame a = only(parse_extxyz(head + "stress=\"1 6 5 6 2 4 5 4 3\" virial=\"1 2 3 4 5 6\"\nH 0 0 0\n"));
  Mat3 expected;
  expected << 1, 6, 5, 6, 2, 4, 5, 4, 3;
  CHECK(*a.labels.stress == expected);
  CHECK(a.structure.pbc == std::array<bool, 3>{true, true, false});
  // Voigt xx yy zz yz xz xy
  Mat3 voigt;
  voigt << 1, 6, 5, 6, 2, 4, 5, 4, 3;
  CHECK(*a.labels.virial == voigt);
  // 9 values are column-major (the order ASE writes them in); visible for a non-symmetric tensor.
  const Frame b = only(parse_extxyz(head + "stress=\"1 2 3 4 5 6 7 8 9\"\nH 0 0 0\n"));
  CHECK((*b.labels.stress)(0, 1) == 4.0);
  CHECK((*b.labels.stress)(1, 0) == 2.0);
  CHECK(test::compare_frames(b, only(parse_extxyz(to_extxyz(b)))) == "");
  // stress from virial uses the ASE sign: stress = -virial / V
  CHECK((*a.labels.stress_or_from_virial(27.0))(0, 0) == 1.0);
}

TEST_CASE("extxyz reads non-periodic frames, Z-only columns, force or forces, CRLF", "[extxyz]") {
  const Dataset d = parse_extxyz(
      "2\nProperties=Z:I:1:pos:R:3:force:R:3 energy=1.25\r\n"
      "8 0 0 0 0 0 1\r\n1 0 0 0.97 0 0 -1\r\n"
      "1\nProperties=species:S:1:pos:R:3:forces:R:3:Z:I:1\n"
      "He 1 2 3 4 5 6 2\n"
      "\n\n  \n");
  REQUIRE(d.size() == 2);
  CHECK(d[0].structure.numbers == std::vector<int>{8, 1});
  CHECK_FALSE(d[0].structure.any_periodic());
  CHECK(d[0].structure.cell == Mat3::Zero());
  CHECK((*d[0].labels.forces)[1].z() == -1.0);
  CHECK(d[1].structure.numbers == std::vector<int>{2});
  CHECK((*d[1].labels.forces)[0].x() == 4.0);
  CHECK(d[1].atom_properties.empty());
  CHECK(parse_extxyz("").empty());
  CHECK(parse_extxyz("\n\n").empty());
  CHECK(only(parse_extxyz("0\n\n")).size() == 0);
}

TEST_CASE("extxyz keeps extra per-atom columns of every type", "[extxyz]") {
  const Frame f = only(parse_extxyz(
      "2\nProperties=species:S:1:pos:R:3:tags:I:1:fixed:L:3:label:S:1:charge:R:1\n"
      "Cu 0 0 0 7 T F True a1 -0.5\n"
      "Cu 1 1 1 -3 F F false b2 0.25\n"));
  REQUIRE(f.atom_properties.size() == 4);
  CHECK(f.atom_properties[0].integers == std::vector<std::int64_t>{7, -3});
  CHECK(f.atom_properties[1].type == AtomProperty::Type::logical);
  CHECK(f.atom_properties[1].integers == std::vector<std::int64_t>{1, 0, 1, 0, 0, 0});
  CHECK(f.atom_properties[2].strings == std::vector<std::string>{"a1", "b2"});
  CHECK(f.atom_properties[3].reals == std::vector<double>{-0.5, 0.25});
  const std::string text = to_extxyz(f);
  CHECK(text.find("Properties=species:S:1:pos:R:3:tags:I:1:fixed:L:3:label:S:1:charge:R:1 ") != std::string::npos);
  CHECK(test::compare_frames(f, only(parse_extxyz(text))) == "");
}

TEST_CASE("extxyz writer: format, omitted defaults, exact round trip of built frames", "[extxyz]") {
  Frame f;
  f.structure.cell << 5.1, 0, 0, 0.1, 5.2, 0, 0.3, -0.2, 5.3;
  f.structure.pbc = {true, true, true};
  f.structure.add_atom(14, Vec3(0.1, 0.2, 0.30000000000000004));
  f.structure.add_atom(8, Vec3(1.0 / 3.0, -0.0, 1e-300));
  f.labels.energy = -10.125;
  f.labels.forces = std::vector<Vec3>{Vec3(1, 2, 3), Vec3(-1, -2, -3)};
  Mat3 st;
  st << 1e-3, 2e-4, 3e-5, 2e-4, 5e-3, 6e-6, 3e-5, 6e-6, 9e-3;
  f.labels.stress = st;
  f.labels.config_type = "md 300K";
  f.labels.info.set("flag", InfoValue(true));
  f.labels.info.set("count", InfoValue(std::int64_t{-42}));
  f.labels.info.set("whole", InfoValue(2.0));
  f.labels.info.set("nan", InfoValue(std::nan("")));
  f.labels.info.set("name", InfoValue(std::string("with \"quotes\" and \\ and\nnewline")));
  f.labels.info.set("ints", InfoValue(std::vector<std::int64_t>{1, 2, 3}));
  f.labels.info.set("one", InfoValue(std::vector<double>{1.0}));
  f.labels.info.set("bools", InfoValue(std::vector<bool>{true, false}));
  f.labels.info.set("strs", InfoValue(std::vector<std::string>{"5", "a b", ""}));
  f.labels.info.set("bare", InfoValue(std::monostate{}));
  f.labels.info.set("spaced key", InfoValue(std::string("v")));
  AtomProperty m{"mass", AtomProperty::Type::real, 1, {28.085, 15.999}, {}, {}};
  f.atom_properties.push_back(m);

  const std::string text = to_extxyz(f);
  INFO(text);
  CHECK(text.rfind("2\nLattice=\"5.1 0.0 0.0 0.1 5.2 0.0 0.3 -0.2 5.3\" Properties=species:S:1:pos:R:3:forces:R:3:mass:R:1 "
                   "energy=-10.125 stress=\"0.001 2e-04 3e-05 ",
                   0) == 0);
  CHECK(text.find("pbc=\"T T T\" config_type=\"md 300K\" flag=T count=-42 whole=2.0 nan=nan") != std::string::npos);
  CHECK(text.find("weight") == std::string::npos);  // 1 is the default
  CHECK(text.find("\nSi 0.1 0.2 0.30000000000000004 1.0 2.0 3.0 28.085\n") != std::string::npos);
  const Frame g = only(parse_extxyz(text));
  CHECK(test::compare_frames(f, g) == "");

  f.labels.weight = 2.5;
  CHECK(to_extxyz(f).find(" weight=2.5") != std::string::npos);
  CHECK(only(parse_extxyz(to_extxyz(f))).labels.weight == 2.5);
}

TEST_CASE("extxyz writer rejects frames it cannot write faithfully", "[extxyz]") {
  Frame f;
  f.structure.add_atom(1, Vec3(0, 0, 0));
  CHECK_NOTHROW(to_extxyz(f));
  Frame bad = f;
  bad.labels.forces = std::vector<Vec3>{};
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.labels.info.set("energy", InfoValue(1.0));
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.labels.info.set("LATTICE", InfoValue(1.0));
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.atom_properties.push_back(AtomProperty{"pos", AtomProperty::Type::real, 1, {1.0}, {}, {}});
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.atom_properties.push_back(AtomProperty{"q", AtomProperty::Type::real, 2, {1.0}, {}, {}});
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.atom_properties.push_back(AtomProperty{"s", AtomProperty::Type::string, 1, {}, {}, {"a b"}});
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.structure.pbc = {true, false, false};  // periodic axis without a lattice vector
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
  bad = f;
  bad.labels.energy = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(to_extxyz(bad), InputError);
}

TEST_CASE("extxyz streaming reader: stream input, display name, frame count, file output", "[extxyz]") {
  std::istringstream in("1\n\nH 0 0 0\n1\n\nH 0 0 1\n1\nenergy=oops\nH 0 0 2\n");
  ExtXyzReader r(in, "stream.xyz");
  CHECK(r.name() == "stream.xyz");
  REQUIRE(r.next().has_value());
  auto f = r.next();
  REQUIRE(f.has_value());
  CHECK(f->structure.positions[0].z() == 1.0);
  CHECK(r.frames_read() == 2);
  try {
    r.next();
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(e.file() == "stream.xyz");
    CHECK(e.line() == 8);
    CHECK(std::string(e.what()).rfind("stream.xyz:8: energy must be a number", 0) == 0);
  }
  CHECK_FALSE(r.next().has_value());  // finished after an error

  CHECK_THROWS_AS(ExtXyzReader("/nonexistent/file.xyz"), InputError);

  const auto path = std::filesystem::temp_directory_path() / "pestle_test_extxyz_write.xyz";
  const Dataset d = read_extxyz(test::shared("data/zuo2020/Mo_test.xyz"));
  write_extxyz(path.string(), d);
  const Dataset e = read_extxyz(path.string());
  REQUIRE(e.size() == d.size());
  CHECK(test::compare_frames(d[5], e[5]) == "");
  std::filesystem::remove(path);
}
