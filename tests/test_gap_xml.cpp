// GAP XML reading/writing, QUIP descriptor strings, MD5, the distance_2b/distance_Nb descriptors,
// and every kind of bad file (generated from the good Mo GAP into a temporary folder).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/formats/md5.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/models/gap.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using pestle::test::shared;
using pestle::test::testdata;

namespace {

const std::string mo_dir = "data/reference/quip-gap/gap/";
const std::string sparse_2b = "Mo_gap.xml.sparseX.GAP_2026_11_23_0_3_48_40_6151";
const std::string sparse_soap = "Mo_gap.xml.sparseX.GAP_2026_11_23_0_3_48_40_6152";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// A scratch folder holding a copy of the Mo GAP (XML + sparseX files) to break.
struct Scratch {
  fs::path dir;
  std::string xml;
  Scratch() {
    dir = fs::temp_directory_path() / ("pestle_gap_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    for (const auto& f : {sparse_2b, sparse_soap}) fs::copy_file(shared(mo_dir + f), dir / f);
    xml = slurp(shared(mo_dir + "Mo_gap.xml"));
  }
  ~Scratch() { fs::remove_all(dir); }
  /// Writes the XML with `from` replaced by `to` (which must occur) and returns its path.
  std::string variant(const std::string& name, const std::string& from, const std::string& to) const {
    std::string text = xml;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    const std::string path = (dir / name).string();
    spit(path, text);
    return path;
  }
};

/// Asserts that reading `path` throws InputError (ParseError included) naming `file` and `reason`.
void expect_refused(const std::string& path, const std::string& file, const std::string& reason) {
  try {
    (void)pestle::io::read_gap_xml(path);
    FAIL("no error for " << path);
  } catch (const pestle::InputError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(file) != std::string::npos);
    CHECK(what.find(reason) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("MD5 digests", "[gap][md5]") {
  using pestle::io::md5_hex;
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6");
  CHECK(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
        "57edf4a22be3c955ac49da2e2107b67a");
  CHECK(md5_hex(std::string(1000000, 'a')) == "7707d6ae4e027c70eea2a935c2296f21");
  // 55 and 56 bytes straddle the padding boundary
  CHECK(md5_hex(std::string(55, 'x')) != md5_hex(std::string(56, 'x')));
  // the digests QUIP recorded for the reference sparseX files
  CHECK(pestle::io::md5_file(shared(mo_dir + sparse_2b)) == "7cbcf3e68420d0772c6d8e3410e36629");
  CHECK(pestle::io::md5_file(shared(mo_dir + sparse_soap)) == "2674d760121dfa2d53b0580f9affa5fd");
  CHECK_THROWS_AS(pestle::io::md5_file("/nonexistent/file"), pestle::InputError);
}

TEST_CASE("QUIP descriptor strings", "[gap][descriptor-string]") {
  using namespace pestle::io;
  SECTION("key=value syntax") {
    const auto kv = parse_quip_key_values("soap  cutoff = 5.2 species_Z={42 28} label=\"a b\" flag n_max=8");
    CHECK(kv.name == "soap");
    REQUIRE(kv.find("cutoff"));
    CHECK(*kv.find("CUTOFF") == "5.2");
    CHECK(*kv.find("species_Z") == "42 28");
    CHECK(*kv.find("label") == "a b");
    CHECK(*kv.find("flag") == "T");
    CHECK_THROWS_AS(parse_quip_key_values("soap species_Z={42 28"), pestle::InputError);
    CHECK_THROWS_AS(parse_quip_key_values(""), pestle::InputError);
  }
  SECTION("soap with QUIP's defaults") {
    const auto d = parse_quip_descriptor(
        "soap cutoff=5.2 cutoff_transition_width=0.5 n_max=8 l_max=8 atom_sigma=0.5 zeta=4 delta=1.0 "
        "covariance_type=dot_product n_sparse=500 sparse_method=cur_points n_species=1 Z=42 species_Z={42 }");
    const auto& s = std::get<QuipSoap>(d);
    CHECK(s.dimensions() == 325);
    CHECK(s.central_reference_all_species);
    CHECK(s.Z == std::vector<int>{42});
    CHECK(s.species_Z == std::vector<int>{42});
    const auto two = std::get<QuipSoap>(parse_quip_descriptor(
        "soap cutoff=5.2 n_max=8 l_max=8 atom_sigma=0.5 n_species=2 species_Z={42 28} n_Z=2 Z={42 28}"));
    CHECK(two.dimensions() == 1225);
    CHECK_FALSE(two.central_reference_all_species);  // QUIP: F for n_species > 1
    CHECK(two.cutoff_transition_width == 0.5);
    const auto any = std::get<QuipSoap>(parse_quip_descriptor("soap cutoff=5 n_max=4 l_max=3 atom_gaussian_width=0.5"));
    CHECK(any.species_Z.empty());
    CHECK(any.Z.empty());
    CHECK(any.dimensions() == 41);
    // files before gap_version 1426512068 always use central_reference_all_species
    const auto old = std::get<QuipSoap>(parse_quip_descriptor(
        "soap cutoff=5 n_max=2 l_max=2 atom_sigma=0.5 n_species=2 species_Z={5 6}", 1426000000));
    CHECK(old.central_reference_all_species);
  }
  SECTION("distance_2b and distance_Nb") {
    const auto d2 = std::get<QuipDistance2b>(parse_quip_descriptor("distance_2b cutoff=5.2 cutoff_transition_width=1.0 Z1=42 Z2=42"));
    CHECK(d2.Z1 == 42);
    CHECK(d2.dimensions() == 1);
    const auto nb = std::get<QuipDistanceNb>(parse_quip_descriptor("distance_Nb order=3 cutoff=2.6 Z={6 5 5}"));
    CHECK(nb.dimensions() == 3);
    CHECK(nb.Z == std::vector<int>{5, 5, 6});
    CHECK(nb.compact_clusters);  // the default since gap_version 1596837814
    CHECK_FALSE(std::get<QuipDistanceNb>(parse_quip_descriptor("distance_Nb order=2 cutoff=5", 1527620619)).compact_clusters);
    CHECK(std::get<QuipDistanceNb>(parse_quip_descriptor("distance_Nb order=2 cutoff=5 compact_clusters=T", 1527620619))
              .compact_clusters);
  }
  SECTION("refusals name the problem") {
    auto refused = [](const std::string& s, const std::string& reason) {
      try {
        (void)parse_quip_descriptor(s);
        FAIL("accepted " << s);
      } catch (const pestle::InputError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(reason) != std::string::npos);
      }
    };
    refused("soap_turbo l_max=8 alpha_max={8} rcut_hard=5", "unsupported descriptor 'soap_turbo'");
    refused("bispectrum_so4 cutoff=5", "unsupported descriptor 'bispectrum_so4'");
    refused("soap cutoff=5 n_max=8 l_max=8 atom_sigma=0.5 radial_basis=GTO", "radial_basis=GTO");
    refused("soap cutoff=5 n_max=8 l_max=8 atom_sigma=0.5 average=T", "average=T");
    refused("soap cutoff=5 n_max=8 atom_sigma=0.5", "'l_max' is missing");
    refused("soap cutoff=5 n_max=x l_max=8 atom_sigma=0.5", "not an integer");
    refused("soap cutoff=5 n_max=8 l_max=8 atom_sigma=0.5 n_species=2 species_Z={42}", "n_species=2");
    refused("distance_Nb order=4 cutoff=3", "order=4");
    refused("distance_2b cutoff=5 tail_exponent=1", "tail_exponent=1");
    refused("distance_2b cutoff=-1", "cutoff must be positive");
  }
}

TEST_CASE("Bad GAP files are refused with the file and the reason", "[gap][bad-input]") {
  Scratch sc;
  const std::string soap_attr = "sparseX_md5sum=\"2674d760121dfa2d53b0580f9affa5fd\"";
  SECTION("the unbroken copy reads") { CHECK(pestle::io::read_gap_xml(sc.variant("good.xml", "<", "<")).terms.size() == 2); }
  SECTION("truncated") {
    const std::string path = (sc.dir / "truncated.xml").string();
    spit(path, sc.xml.substr(0, sc.xml.size() / 2));
    expect_refused(path, "truncated.xml", "malformed XML");
  }
  SECTION("malformed") { expect_refused(sc.variant("malformed.xml", "<gpSparse ", "<gpSparse <"), "malformed.xml", "malformed XML"); }
  SECTION("missing attribute") {
    expect_refused(sc.variant("no_variance.xml", "signal_variance=\"1.0000000000000000\" ", ""), "no_variance.xml",
                   "no 'signal_variance' attribute");
  }
  SECTION("missing sparseX file") {
    expect_refused(sc.variant("missing.xml", "sparseX_filename=\"" + sparse_soap, "sparseX_filename=\"nothere"),
                   "missing.xml", "does not exist");
  }
  SECTION("md5 mismatch") {
    expect_refused(sc.variant("md5.xml", soap_attr, "sparseX_md5sum=\"00000000000000000000000000000000\""), "md5.xml",
                   "md5 sum");
  }
  SECTION("wrong number of values in the sparseX file") {
    std::string values = slurp((sc.dir / sparse_soap).string());
    values.erase(values.rfind('\n', values.size() - 2) + 1);  // drop the last value
    spit((sc.dir / "short.sparseX").string(), values);
    std::string text = sc.xml;
    text.replace(text.find(soap_attr), soap_attr.size(), "");
    text.replace(text.find(sparse_soap), sparse_soap.size(), "short.sparseX");
    const std::string path = (sc.dir / "short.xml").string();
    spit(path, text);
    expect_refused(path, "short.sparseX", "holds 162499 values");
  }
  SECTION("dimension that does not match the descriptor") {
    expect_refused(sc.variant("dims.xml", "dimensions=\"325\"", "dimensions=\"324\""), "dims.xml", "does not match the descriptor");
  }
  SECTION("unknown covariance type") {
    expect_refused(sc.variant("cov.xml", "covariance_type=\"2\"", "covariance_type=\"3\""), "cov.xml", "covariance_type=\"3\"");
  }
  SECTION("unknown descriptor") {
    expect_refused(sc.variant("desc.xml", "<descriptor> soap ", "<descriptor> soap_turbo "), "desc.xml",
                   "unsupported descriptor 'soap_turbo'");
  }
  SECTION("do_core=T") { expect_refused(sc.variant("core.xml", "do_core=\"F\"", "do_core=\"T\""), "core.xml", "do_core"); }
  SECTION("a Sum of GAP and Glue") {
    expect_refused(sc.variant("sum.xml", "init_args=\"IP GAP label=GAP_2026_11_23_0_3_48_40_615\"",
                              "init_args=\"Sum init_args_pot1={IP Glue} init_args_pot2={IP GAP label=GAP_2026_11_23_0_3_48_40_615}\""),
                   "sum.xml", "Sum");
  }
  SECTION("missing or extra sparse point") {
    expect_refused(sc.variant("nsparse.xml", "n_sparseX=\"20\"", "n_sparseX=\"21\""), "nsparse.xml", "is missing");
    expect_refused(sc.variant("nsparse2.xml", "n_sparseX=\"20\"", "n_sparseX=\"19\""), "nsparse2.xml", "outside 1..n_sparseX");
  }
  SECTION("label not found") {
    expect_refused(sc.variant("label.xml", "init_args=\"IP GAP label=GAP_2026_11_23_0_3_48_40_615\"", "init_args=\"IP GAP label=other\""),
                   "label.xml", "label=\"other\"");
  }
  SECTION("no file at all") { CHECK_THROWS_AS(pestle::io::read_gap_xml((sc.dir / "none.xml").string()), pestle::InputError); }
}

TEST_CASE("GAP XML written by pestle reads back to identical predictions", "[gap][write]") {
  Scratch sc;
  const pestle::GapModel m = pestle::io::read_gap_xml(shared(mo_dir + "Mo_gap.xml"));
  const std::string out = (sc.dir / "written.xml").string();
  pestle::io::write_gap_xml(m, out);
  const pestle::GapModel back = pestle::io::read_gap_xml(out);  // md5 of the written sparseX checked here
  REQUIRE(back.terms.size() == m.terms.size());
  for (std::size_t k = 0; k < m.terms.size(); ++k) {
    CHECK(back.terms[k].sparse.points == m.terms[k].sparse.points);
    CHECK(back.terms[k].sparse.alpha == m.terms[k].sparse.alpha);
    CHECK(back.terms[k].sparse.cutoff == m.terms[k].sparse.cutoff);
    CHECK(back.terms[k].descriptor_string == m.terms[k].descriptor_string);
  }
  CHECK(back.e0 == m.e0);
  const pestle::Structure s = pestle::read_extxyz_frame(shared("data/reference/quip-gap/soap/Mo_test_f0.xyz")).structure;
  const auto a = pestle::GapPotential(m).compute(s), b = pestle::GapPotential(back).compute(s);
  // identical parameters; the evaluations may differ in the last bits only through the order in
  // which the threads' partial sums are added
  CHECK(a.energy == Approx(b.energy).epsilon(1e-14));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK((a.forces[i] - b.forces[i]).norm() < 1e-11);
  // and a second round trip gives the same file
  const std::string out2 = (sc.dir / "written2.xml").string();
  pestle::io::write_gap_xml(back, out2);
  CHECK(slurp(out2 + ".sparseX." + m.terms[1].label) == slurp(out + ".sparseX." + m.terms[1].label));
}

TEST_CASE("GAP XML writer labels every gpCoordinates as QUIP looks it up (gpSparse label + index)", "[gap][write]") {
  Scratch sc;
  pestle::GapModel m = pestle::io::read_gap_xml(shared(mo_dir + "Mo_gap.xml"));
  m.label = "my_fit";
  m.terms[0].label = "two_body";  // a term label of our own must not reach the file
  m.terms[1].label = "";
  const std::string out = (sc.dir / "labels.xml").string();
  pestle::io::write_gap_xml(m, out);
  const pestle::GapModel back = pestle::io::read_gap_xml(out);
  REQUIRE(back.terms.size() == 2);
  CHECK(back.label == "my_fit");
  CHECK(back.terms[0].label == "my_fit1");
  CHECK(back.terms[1].label == "my_fit2");
  CHECK(std::filesystem::exists(out + ".sparseX.my_fit1"));
  CHECK(std::filesystem::exists(out + ".sparseX.my_fit2"));
}
