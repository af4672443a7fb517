// Sparse GP (DTC) fit: sparse-point selection, covariance rows against finite differences, the
// stacked-QR solution against the closed form, recovery of a known GP, and bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

#include "pestle/descriptors/radial2b.hpp"
#include "pestle/fit/sparse_gp.hpp"
#include "test_models_support.hpp"

using namespace pestle;

namespace {

/// (q·x)^ζ, the SOAP kernel, written out here so the fit is tested independently of models/kernels.hpp.
struct PowerDot {
  int zeta = 2;
  Eigen::MatrixXd matrix(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& X) const {
    return (Q * X.transpose()).array().pow(zeta).matrix();
  }
  void gradient(const Eigen::RowVectorXd& q, const Eigen::MatrixXd& X, Eigen::MatrixXd& W) const {
    const Eigen::VectorXd k = X * q.transpose();
    W = (zeta * k.array().pow(zeta - 1)).matrix().asDiagonal() * X;
  }
};

Radial2B gp_radial() {
  Radial2BParams p;
  p.count = 4;
  p.cutoff = 4.2;
  p.r_min = 2.2;
  p.sigma = 0.6;
  p.weights = {{28, 0.6}};
  return Radial2B(p);
}

using Source = AtomEnvironments<Radial2B>;
using Term = GpTermSpec<Source, PowerDot>;

Term term(std::size_t n_sparse, SparseMethod method = SparseMethod::cur, double delta = 0.7) {
  return Term{Source{gp_radial(), {}}, PowerDot{2}, delta, n_sparse, method};
}

Dataset structures(std::size_t count, unsigned seed) {
  Dataset data;
  for (std::size_t k = 0; k < count; ++k) {
    Frame f;
    f.structure = test::jittered_bcc(42, 3.1 + 0.03 * static_cast<double>(k % 4), 2, 0.2, seed + static_cast<unsigned>(k));
    test::substitute(f.structure, 28, 3, k % 3);
    data.push_back(f);
  }
  return data;
}

/// Labels every structure with the GP `truth` (energy, forces, virial as stress).
template <class Terms>
void label(Dataset& data, const Terms& terms, const GpFitResult& truth) {
  for (Frame& f : data) {
    const Eigen::VectorXd y = gp_predict_rows(terms, truth, f.structure);
    const std::size_t n = f.size();
    f.labels.energy = y[0];
    std::vector<Vec3> F(n);
    for (std::size_t a = 0; a < n; ++a) F[a] = y.segment(static_cast<Eigen::Index>(1 + 3 * a), 3);
    f.labels.forces = F;
  }
}

}  // namespace

TEST_CASE("sparse-point selection: random and CUR", "[sparse_gp]") {
  std::mt19937 rng(3);
  std::normal_distribution<double> g;
  Eigen::MatrixXd Q(60, 5);
  for (Eigen::Index i = 0; i < Q.rows(); ++i)
    for (Eigen::Index c = 0; c < Q.cols(); ++c) Q(i, c) = (c < 4 ? 1.0 : 0.0) * g(rng);
  // Row 17 alone spans the last direction: it carries all the leverage of that singular vector.
  Q(17, 4) = 5.0;
  // Rows 40..49 duplicate row 0.
  for (Eigen::Index i = 40; i < 50; ++i) Q.row(i) = Q.row(0);

  for (std::size_t m : {1u, 3u, 5u, 6u, 20u, 50u}) {
    const auto cur = select_cur(Q, m);
    REQUIRE(cur.size() == m);
    CHECK(std::set<std::size_t>(cur.begin(), cur.end()).size() == m);
    CHECK(std::find(cur.begin(), cur.end(), 17) != cur.end());  // the only row spanning direction 5
    CHECK(std::count_if(cur.begin(), cur.end(), [](std::size_t i) { return i == 0 || (i >= 40 && i < 50); }) <= 1);
  }
  // a near-copy of a chosen row loses its leverage: rows 1 and 2 nearly equal, one of them is enough
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(4, 4);
  P.conservativeResize(5, 4);
  P.row(4) = P.row(1) + 1e-9 * Eigen::RowVector4d(1, 0, 0, 1);
  const auto four = select_cur(P, 4);
  CHECK(four == std::vector<std::size_t>{0, 1, 2, 3});
  const auto rnd = select_random(60, 10, 9);
  CHECK(std::set<std::size_t>(rnd.begin(), rnd.end()).size() == 10);
  CHECK(select_random(60, 10, 9) == rnd);
  CHECK(select_random(60, 10, 10) != rnd);

  CHECK_THROWS_AS(select_cur(Q, 61), InputError);
  CHECK_THROWS_AS(select_cur(Q, 52), InputError);  // only 50 distinct rows
  CHECK_THROWS_AS(select_random(5, 0, 1), InputError);
  const Eigen::MatrixXd grid = uniform_grid_1d(Eigen::MatrixXd(Eigen::VectorXd::LinSpaced(7, 2.0, 5.0)), 4);
  CHECK(grid(0, 0) == Approx(2.0));
  CHECK(grid(3, 0) == Approx(5.0));
  CHECK(grid(1, 0) == Approx(3.0));
}

TEST_CASE("covariance rows: forces and virial are derivatives of the energy row", "[sparse_gp]") {
  const auto terms = std::make_tuple(term(6));
  Dataset data = structures(3, 11);
  GpFitOptions opt;
  opt.sigma.virial = 0.01;
  for (Frame& f : data) {  // any labels will do: only the rows are tested here
    f.labels.energy = 0.0;
    f.labels.forces = std::vector<Vec3>(f.size(), Vec3::Zero());
  }
  const GpFitResult fit = fit_sparse_gp(data, terms, opt);
  GpFitResult probe = fit;
  std::mt19937 rng(5);
  std::normal_distribution<double> g;
  for (auto& t : probe.terms)
    for (Eigen::Index m = 0; m < t.alpha.size(); ++m) t.alpha[m] = g(rng);

  const Structure s = structures(1, 99)[0].structure;
  auto energy = [&](const Structure& t) { return gp_predict_rows(terms, probe, t)[0]; };
  const Eigen::VectorXd y = gp_predict_rows(terms, probe, s);
  const double h = 1e-5;
  for (std::size_t a = 0; a < s.size(); a += 3)
    for (int d = 0; d < 3; ++d) {
      Structure p = s, m = s;
      p.positions[a][d] += h;
      m.positions[a][d] -= h;
      const double fd = -(energy(p) - energy(m)) / (2 * h);
      CHECK(y[static_cast<Eigen::Index>(1 + 3 * a) + d] == Approx(fd).margin(1e-7));
    }
  // virial rows: W = -dE/dε (symmetric part, Voigt order xx yy zz yz xz xy)
  Frame fv;
  fv.structure = s;
  fv.labels.energy = 0.0;
  fv.labels.stress = Mat3::Zero();
  std::vector<Eigen::Index> col0{0};
  GpSigmas sig;
  sig.virial = 0.01;
  const RowBlock b = pestle::detail::gp_structure_rows(terms, probe.terms, col0, probe.terms[0].alpha.size(), fv, 0, {}, sig);
  REQUIRE(b.A.rows() == 7);
  const Eigen::VectorXd w = b.A * probe.terms[0].alpha;
  const Mat3 dE = test::strain_derivative(s, energy);
  const int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};
  for (int v = 0; v < 6; ++v) CHECK(w[1 + v] == Approx(-dE(va[v], vb[v])).margin(1e-6));
}

TEST_CASE("stacked QR gives the DTC closed form", "[sparse_gp]") {
  const auto terms = std::make_tuple(term(8, SparseMethod::random));
  Dataset data = structures(5, 21);
  std::mt19937 rng(8);
  std::normal_distribution<double> g;
  for (Frame& f : data) {
    f.labels.energy = -10.0 * static_cast<double>(f.size()) + g(rng);
    std::vector<Vec3> F(f.size());
    for (auto& v : F) v = Vec3(g(rng), g(rng), g(rng));
    f.labels.forces = F;
  }
  GpFitOptions opt;
  opt.sigma.energy = 0.01;
  opt.sigma.force = 0.1;
  opt.e0 = {{42, -10.0}, {28, -10.0}};
  opt.jitter = 1e-5;  // keeps the normal equations of the closed form well enough conditioned to compare
  const GpFitResult fit = fit_sparse_gp(data, terms, opt);

  // closed form α = (K_MM + K_MN Λ⁻¹ K_NM)⁻¹ K_MN Λ⁻¹ y
  const GpTermFit& t = fit.terms[0];
  const Eigen::Index M = t.sparse.rows();
  Eigen::MatrixXd Kmm = sparse_covariance(PowerDot{2}, 0.7, t.sparse, t.sparse_cutoff);
  Kmm.diagonal().array() += t.jitter * Kmm.diagonal().mean();
  Eigen::MatrixXd lhs = Kmm;
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(M);
  std::vector<Eigen::Index> col0{0};
  for (std::size_t k = 0; k < data.size(); ++k) {
    const RowBlock b = pestle::detail::gp_structure_rows(terms, fit.terms, col0, M, data[k], k, fit.e0, opt.sigma);
    const Eigen::VectorXd w2 = b.w.array().square();
    lhs += b.A.transpose() * w2.asDiagonal() * b.A;
    rhs += b.A.transpose() * w2.asDiagonal() * b.b;
  }
  const Eigen::VectorXd alpha = lhs.ldlt().solve(rhs);
  auto objective = [&](const Eigen::VectorXd& a) {
    double J = a.dot(Kmm * a);
    for (std::size_t k = 0; k < data.size(); ++k) {
      const RowBlock b = pestle::detail::gp_structure_rows(terms, fit.terms, col0, M, data[k], k, fit.e0, opt.sigma);
      J += (b.w.asDiagonal() * (b.A * a - b.b)).squaredNorm();
    }
    return J;
  };
  INFO("J(qr) " << objective(fit.terms[0].alpha) << " J(closed) " << objective(alpha) << " rank " << fit.rank);
  // The minimum is flat along directions the data barely see, so compare what matters: the objective
  // and the fitted observations (α itself may differ along those directions).
  CHECK(objective(fit.terms[0].alpha) <= objective(alpha) * (1 + 1e-10));
  for (std::size_t k = 0; k < data.size(); ++k) {
    const RowBlock b = pestle::detail::gp_structure_rows(terms, fit.terms, col0, M, data[k], k, fit.e0, opt.sigma);
    const Eigen::VectorXd yq = b.A * fit.terms[0].alpha, yc = b.A * alpha;
    CHECK((yq - yc).norm() <= 1e-3 * yc.norm());  // the closed form squares the condition number
  }
  CHECK(fit.observations == 5 + 3 * 5 * 16);
}

TEST_CASE("a GP recovers a function drawn from the same GP", "[sparse_gp]") {
  const auto terms = std::make_tuple(term(12, SparseMethod::cur, 0.5));
  Dataset train = structures(10, 31);
  Dataset test = structures(4, 77);
  // truth: a GP with random weights on sparse points chosen from the training environments
  for (Frame& f : train) {
    f.labels.energy = 0.0;
    f.labels.forces = std::vector<Vec3>(f.size(), Vec3::Zero());
  }
  GpFitOptions opt;
  opt.sigma.energy = 1e-4;
  opt.sigma.force = 1e-3;
  GpFitResult truth = fit_sparse_gp(train, terms, opt);
  std::mt19937 rng(2);
  std::normal_distribution<double> g;
  for (Eigen::Index m = 0; m < truth.terms[0].alpha.size(); ++m) truth.terms[0].alpha[m] = g(rng);
  label(train, terms, truth);
  label(test, terms, truth);

  const GpFitResult fit = fit_sparse_gp(train, terms, opt);
  double emax = 0.0, fmax = 0.0, fscale = 0.0;
  for (const Frame& f : test) {
    const Eigen::VectorXd y = gp_predict_rows(terms, fit, f.structure);
    emax = std::max(emax, std::abs(y[0] - *f.labels.energy) / static_cast<double>(f.size()));
    for (std::size_t a = 0; a < f.size(); ++a) {
      fmax = std::max(fmax, (y.segment(static_cast<Eigen::Index>(1 + 3 * a), 3) - (*f.labels.forces)[a]).cwiseAbs().maxCoeff());
      fscale = std::max(fscale, (*f.labels.forces)[a].cwiseAbs().maxCoeff());
    }
  }
  INFO("max energy error " << emax << " eV/atom, max force error " << fmax << " of " << fscale);
  CHECK(fscale > 0.05);  // the truth has real forces
  CHECK(emax < 1e-4);
  CHECK(fmax < 2e-3 * fscale + 1e-4);
}

TEST_CASE("sparse GP fit: bad input", "[sparse_gp]") {
  Dataset data = structures(2, 5);
  for (Frame& f : data) f.labels.energy = -1.0;
  GpFitOptions opt;
  // more sparse points than environments (2 × 16 atoms)
  CHECK_THROWS_AS(fit_sparse_gp(data, std::make_tuple(term(40)), opt), InputError);
  // δ <= 0
  CHECK_THROWS_AS(fit_sparse_gp(data, std::make_tuple(term(4, SparseMethod::cur, 0.0)), opt), InputError);
  // σ <= 0
  GpFitOptions bad = opt;
  bad.sigma.force = 0.0;
  CHECK_THROWS_AS(fit_sparse_gp(data, std::make_tuple(term(4)), bad), InputError);
  // a species with no environments
  Term only_cu{Source{gp_radial(), {29}}, PowerDot{2}, 1.0, 4, SparseMethod::cur};
  CHECK_THROWS_WITH(fit_sparse_gp(data, std::make_tuple(only_cu), opt), Catch::Contains("no descriptor environments"));
  // empty data and data without labels
  CHECK_THROWS_AS(fit_sparse_gp(Dataset{}, std::make_tuple(term(4)), opt), InputError);
  Dataset unlabelled = structures(2, 5);
  CHECK_THROWS_WITH(fit_sparse_gp(unlabelled, std::make_tuple(term(4)), opt), Catch::Contains("no energy, force or virial"));
  // a non-finite label
  Dataset nan = data;
  nan[0].labels.energy = std::nan("");
  CHECK_THROWS_AS(fit_sparse_gp(nan, std::make_tuple(term(4)), opt), InputError);
  // duplicate sparse points: K_MM is singular; the jitter is raised and reported, coefficients stay finite
  Dataset same;
  same.frames.assign(4, data[0]);
  const GpFitResult r = fit_sparse_gp(same, std::make_tuple(term(20, SparseMethod::random)), opt);
  CHECK(r.terms[0].jitter >= 1e-8);
  CHECK(r.terms[0].alpha.allFinite());
}

TEST_CASE("prior factor: the requested jitter is used as given, also above the fallback's 1e-4", "[sparse_gp]") {
  const Eigen::MatrixXd K = Eigen::MatrixXd::Ones(3, 3);  // rank 1: needs jitter
  for (double requested : {1e-6, 1e-3, 0.1}) {
    double jitter = requested;
    const Eigen::MatrixXd U = prior_rows(K, jitter);
    CHECK(jitter == requested);
    CHECK((U.transpose() * U - K - requested * Eigen::MatrixXd::Identity(3, 3)).norm() < 1e-12);
  }
  double none = 0.0;  // no jitter asked for: the smallest that works is found and reported
  prior_rows(K, none);
  CHECK(none > 0.0);
  CHECK(none <= 1e-4);
}
