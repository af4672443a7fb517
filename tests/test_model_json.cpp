// JSON model files: exact round trips, the runtime dispatch point, and typed errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "test_models_support.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::temp_path;
using test::lammps_potentials;


/// A two-element qSNAP with distinctive hyperparameters (every flag away from its default).
QSnapPotential two_element_qsnap() {
  BispectrumParams p;
  p.twojmax = 2;
  p.rcutfac = 4.1;
  p.rfac0 = 0.98;
  p.rmin0 = 0.1;
  p.switchflag = false;
  p.bzeroflag = true;
  p.bnormflag = true;
  p.elements = {{42, 0.5, 1.0}, {28, 0.45, 0.8}};
  const std::size_t n = 1 + QuadraticMap::size(5);
  std::vector<std::vector<double>> c(2, std::vector<double>(n));
  for (std::size_t k = 0; k < n; ++k) {
    c[0][k] = 0.1 / (1.0 + static_cast<double>(k)) + 1e-17 * static_cast<double>(k);
    c[1][k] = -std::sqrt(2.0) / (3.0 + static_cast<double>(k));
  }
  return make_snap<Quadratic>(p, c);
}

}  // namespace

TEST_CASE("model JSON round trip is bit-exact and predicts the same", "[model_json]") {
  const QSnapPotential q = two_element_qsnap();
  const AnyPotential lin = load_snap(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", lammps_potentials + "Mo_Zuo_JPCA2020.snapparam");
  Structure s = test::jittered_bcc(42, 3.16, 2, 0.15, 4);
  test::substitute(s, 28, 3);
  const std::string path = temp_path("model.json");
  SECTION("qsnap, two elements, metadata") {
    save_model(path, q, nlohmann::json{{"note", "test"}, {"rmse", 1.5}}, {{42, -10.5}});
    nlohmann::json meta;
    const AnyPotential back = load_model(path, &meta);
    CHECK(back.type_name() == "qsnap");
    CHECK(meta["note"] == "test");
    const auto& p2 = std::get<QSnapPotential>(back.variant());
    CHECK(p2.model() == q.model());  // coefficients, species, sizes: exact
    const BispectrumParams &a = q.descriptor().params(), &b = p2.descriptor().params();
    CHECK(a.twojmax == b.twojmax);
    CHECK(a.rcutfac == b.rcutfac);
    CHECK(a.rfac0 == b.rfac0);
    CHECK(a.rmin0 == b.rmin0);
    CHECK(a.switchflag == b.switchflag);
    CHECK(a.bzeroflag == b.bzeroflag);
    CHECK(a.bnormflag == b.bnormflag);
    REQUIRE(b.elements.size() == 2);
    CHECK(b.elements[1].z == 28);
    CHECK(b.elements[1].radius == 0.45);
    CHECK(b.elements[1].weight == 0.8);
    const auto r1 = q.compute(s), r2 = back.compute(s);
    CHECK(r1.energy == r2.energy);
    for (std::size_t i = 0; i < s.size(); ++i) CHECK((r1.forces[i] - r2.forces[i]).norm() <= 1e-13 * (1.0 + r1.forces[i].norm()));
    std::ifstream in(path);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["format_version"] == model_format_version);
    CHECK(j["reference_energies"]["Mo"] == -10.5);
  }
  SECTION("linear Zuo Mo via AnyPotential") {
    save_model(path, lin);
    const AnyPotential back = load_model(path);
    CHECK(back.type_name() == "snap");
    CHECK(std::get<SnapPotential>(back.variant()).model() == std::get<SnapPotential>(lin.variant()).model());
    Structure mo = test::jittered_bcc(42, 3.16, 2, 0.15, 5);
    CHECK(back.energy(mo) == lin.energy(mo));
  }
  std::filesystem::remove(path);
}

TEST_CASE("malformed model JSON gives InputErrors that name the key", "[model_json]") {
  const nlohmann::json good = model_to_json(two_element_qsnap());
  REQUIRE_NOTHROW(model_from_json(good));
  const auto fails_naming = [](const nlohmann::json& j, const std::string& key) {
    try {
      model_from_json(j);
      FAIL("no error for " << key);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(key) != std::string::npos);
    }
  };
  for (const std::string key : {"format", "format_version", "model", "descriptor", "coefficients"}) {
    nlohmann::json j = good;
    j.erase(key);
    fails_naming(j, key);
  }
  for (const std::string key : {"twojmax", "rcutfac", "rfac0", "rmin0", "switchflag", "bzeroflag", "bnormflag", "elements"}) {
    nlohmann::json j = good;
    j["descriptor"].erase(key);
    fails_naming(j, "descriptor." + key);
  }
  nlohmann::json j = good;
  j["model"] = "ace";
  fails_naming(j, "ace");
  j = good;
  j["format_version"] = 99;
  fails_naming(j, "format_version");
  j = good;
  j["coefficients"].erase("Ni");
  fails_naming(j, "coefficients.Ni");
  j = good;
  j["coefficients"]["Mo"].erase(0);  // wrong length
  CHECK_THROWS_AS(model_from_json(j), InputError);
  j = good;
  j["coefficients"]["Mo"][3] = "x";
  fails_naming(j, "coefficients.Mo");
  j = good;
  j["descriptor"]["twojmax"] = 3.5;
  fails_naming(j, "descriptor.twojmax");
  j = good;
  j["descriptor"]["elements"][0]["element"] = "Qq";
  CHECK_THROWS_AS(model_from_json(j), InputError);
  j = good;
  j["descriptor"]["elements"][1].erase("radius");
  fails_naming(j, "descriptor.elements[1].radius");
  // not JSON at all / missing file
  const std::string path = temp_path("bad.json");
  std::ofstream(path) << "{ not json";
  CHECK_THROWS_AS(load_model(path), InputError);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(load_model("/nonexistent/model.json"), InputError);
}
