// SNAP/qSNAP fitting with the real bispectrum: design rows agree with LAMMPS's published
// potentials, and a fit recovers the coefficients of labels made by a known SNAP.
#include <catch2/catch.hpp>

#include "pestle/fit.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "test_helpers.hpp"
#include "test_models_support.hpp"

using namespace pestle;

namespace {

using test::lammps_potentials;


/// Labels of a structure from a potential (energy, forces, stress).
template <class P>
Frame labelled(const P& pot, Structure s, std::string config_type) {
  Frame f;
  const auto r = pot.compute(s);
  f.structure = std::move(s);
  f.labels.energy = r.energy;
  f.labels.forces = r.forces;
  f.labels.stress = r.stress;
  f.labels.config_type = std::move(config_type);
  return f;
}

template <class M>
void check_rows_reproduce(const Potential<Bispectrum<dynamic>, M>& pot, const Dataset& data) {
  using Map = typename M::map_type;
  const DesignLayout layout{snap_species(pot.descriptor().params()), Map::size(pot.descriptor().size())};
  const RowBlock all = design_matrix<Map>(pot.descriptor(), data, layout, DesignOptions{});
  Eigen::VectorXd c(all.A.cols());
  for (std::size_t s = 0; s < layout.species.size(); ++s)
    for (std::size_t p = 0; p < layout.per_species(); ++p)
      c[static_cast<Eigen::Index>(s * layout.per_species() + p)] = pot.model().coefficients(s)[p];
  const Eigen::VectorXd pred = all.A * c;
  const double scale = all.b.cwiseAbs().maxCoeff();
  CHECK((pred - all.b).cwiseAbs().maxCoeff() < 1e-10 * scale);
}

}  // namespace

TEST_CASE("SNAP and qSNAP design rows reproduce the Zuo potentials on the LAMMPS reference frames", "[fit][snap]") {
  const Dataset ref = read_extxyz(test::shared("data/reference/lammps-snap/Mo_test_f0.xyz"));
  const auto lin = std::get<SnapPotential>(
      load_snap(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", lammps_potentials + "Mo_Zuo_JPCA2020.snapparam").variant());
  const auto quad = std::get<QSnapPotential>(
      load_snap(lammps_potentials + "Mo_Zuo_JPCA2020.quadratic.snapcoeff", lammps_potentials + "Mo_Zuo_JPCA2020.quadratic.snapparam")
          .variant());
  Dataset d1, d2;
  d1.push_back(labelled(lin, ref[0].structure, "ref"));
  d2.push_back(labelled(quad, ref[0].structure, "ref"));
  check_rows_reproduce(lin, d1);
  check_rows_reproduce(quad, d2);
  // two elements, bzeroflag 1 (WBe): per-species columns
  const auto wbe = std::get<SnapPotential>(
      load_snap(lammps_potentials + "WBe_Wood_PRB2019.snapcoeff", lammps_potentials + "WBe_Wood_PRB2019.snapparam").variant());
  Structure s = test::jittered_bcc(74, 3.17, 2, 0.1, 12);
  test::substitute(s, 4, 4);
  Dataset d3;
  d3.push_back(labelled(wbe, s, "WBe"));
  check_rows_reproduce(wbe, d3);
}

TEST_CASE("fitting labels of the Zuo Mo SNAP recovers its coefficients; model files carry the fit", "[fit][snap]") {
  const auto truth = std::get<SnapPotential>(
      load_snap(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", lammps_potentials + "Mo_Zuo_JPCA2020.snapparam").variant());
  Dataset data;
  for (unsigned k = 0; k < 4; ++k)
    data.push_back(labelled(truth, test::jittered_bcc(42, 3.10 + 0.04 * k, 2, 0.2, 100 + k), k % 2 ? "bulk" : "rattled"));
  FitOptions opt;
  opt.design.weights.energy = 100.0;
  opt.design.reference_energies = {{42, -4.5}};
  FitSummary summary;
  const SnapPotential fitted = fit_linear_model<Linear>(truth.descriptor(), data, {42}, opt, &summary);
  CHECK(summary.solution.rank == 31);
  for (std::size_t p = 0; p < 31; ++p)
    CHECK(fitted.model().coefficients(0)[p] == Approx(truth.model().coefficients(0)[p]).epsilon(1e-6).margin(1e-8));
  const ErrorReport rep = error_report(fitted, data);
  CHECK(rep.overall.energy_rmse_meV_per_atom() < 1e-3);
  CHECK(rep.overall.force_rmse() < 1e-6);
  // fit metadata travels with the model file
  const nlohmann::json meta = fit_metadata(opt, summary, &rep);
  CHECK(meta["training"]["rank"] == 31);
  CHECK(meta["fit"]["eweight"] == 100.0);
  CHECK(meta["training"]["errors_by_config_type"].contains("bulk"));
  const nlohmann::json j = model_to_json(fitted, meta, opt.design.reference_energies);
  const AnyPotential back = model_from_json(j);
  CHECK(back.energy(data[0].structure) == fitted.energy(data[0].structure));
}
