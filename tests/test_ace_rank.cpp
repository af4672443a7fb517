// pestle's own coupled ACE B-basis (ace_coupling.hpp): the functions are linearly independent on
// random environments (full column rank), none is zero, the counts match hand-counted invariants,
// and every function is rotation and permutation invariant.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include <Eigen/Dense>

#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"

using namespace pestle;

namespace {

AceBasisSpec small_spec() {
  AceBasisSpec s;
  s.elements = {29};
  s.nmax = {4, 3, 2, 1};
  s.lmax = {0, 2, 2, 1};
  s.rcut = 5.0;
  return s;
}

/// A cluster: atom 0 at the origin and `n` neighbours within [1.6, 4.8] Å (not periodic).
Structure random_environment(std::mt19937& rng, int n, std::vector<int> species = {29}) {
  std::uniform_real_distribution<double> u(-1.0, 1.0), rad(1.6, 4.8);
  std::uniform_int_distribution<std::size_t> pick(0, species.size() - 1);
  Structure s;
  s.add_atom(species[0], Vec3::Zero());
  while (int(s.size()) <= n) {
    Vec3 d(u(rng), u(rng), u(rng));
    if (d.norm() < 0.1 || d.norm() > 1.0) continue;
    s.add_atom(species[pick(rng)], d.normalized() * rad(rng));
  }
  return s;
}

std::vector<double> features_of_centre(const AceDescriptor& d, const Structure& s) {
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  std::vector<double> q(d.size());
  d.compute(s, nl, 0, ws, q);
  return q;
}

}  // namespace

TEST_CASE("ACE B-basis: counts of independent invariants", "[ace][ace_rank]") {
  const AceBasisSet b = ace_b_basis(small_spec());
  std::vector<int> per_rank(5, 0);
  for (const auto& f : b.functions[0]) per_rank[std::size_t(f.rank)]++;
  CHECK(per_rank[1] == 4);       // g_0..g_3
  CHECK(per_rank[2] == 3 * 6);   // l = 0,1,2 times n1 <= n2 < 3
  // rank 4, one n, l <= 1: (0000), (0011) and (1111) each have exactly one invariant
  CHECK(per_rank[4] == 3);
  // rank 3, n < 2, l <= 2: hand count of symmetric couplings with even Σl and the triangle rule
  // (one coupling per l-set; the count is the number of n-assignments up to permutation of equal l).
  CHECK(per_rank[3] == 4 + 6 + 6 + 6 + 4);  // l-sets (000), (011), (022), (112), (222) with n-multisets
  CHECK(int(b.functions[0].size()) == b.columns);
  // Each function stores its own column only: one coefficient and rank m's per m-combination,
  // so the basis takes combinations × (8 + 4·ranks) bytes; above the ceiling: a clear error.
  std::size_t combinations = 0;
  for (std::size_t q = 0; q < b.functions[0].size(); ++q) {
    const auto& f = b.functions[0][q];
    CHECK(f.column == int(q));
    CHECK(f.coeffs.size() == f.num_ms());
    combinations += f.num_ms();
  }
  const double bytes = double(combinations) * (8.0 + 4.0 * double(small_spec().nmax.size()));
  CHECK(ace_b_basis(small_spec(), bytes).columns == b.columns);
  CHECK_THROWS_WITH(ace_b_basis(small_spec(), bytes - 1.0), Catch::Contains("GB of coefficients"));
}

namespace {

/// Total degree Σ (n + 1 + w·l) of a basis function (docs/ace.md §4).
double function_degree(const AceBasisFunction& f, double w) {
  double d = 0.0;
  for (std::size_t t = 0; t < f.ns.size(); ++t) d += f.ns[t] + 1 + w * f.ls[t];
  return d;
}

/// (rank, μ..., n..., l...) of every function: the multiset identifies the product it couples.
std::multiset<std::vector<int>> function_keys(const AceBasisSet& b, const std::function<bool(const AceBasisFunction&)>& keep) {
  std::multiset<std::vector<int>> keys;
  for (const auto& f : b.functions[0]) {
    if (!keep(f)) continue;
    std::vector<int> k = {f.rank};
    k.insert(k.end(), f.mus.begin(), f.mus.end());
    k.insert(k.end(), f.ns.begin(), f.ns.end());
    k.insert(k.end(), f.ls.begin(), f.ls.end());
    keys.insert(k);
  }
  return keys;
}

}  // namespace

TEST_CASE("ACE B-basis: total-degree selection keeps exactly the functions within the degree", "[ace][ace_rank]") {
  AceBasisSpec full = small_spec();
  full.nmax = {6, 5, 3, 2};
  full.lmax = {0, 4, 3, 2};
  const AceBasisSet all = ace_b_basis(full);
  for (double w : {1.0, 1.5, 2.0}) {
    AceBasisSpec bounded = full;
    bounded.l_weight = w;
    bounded.max_degree = {5, 8, 8, 7.5};
    const AceBasisSet some = ace_b_basis(bounded);
    const std::vector<double> bound = bounded.max_degree;
    const auto within = [&](const AceBasisFunction& f) { return function_degree(f, w) <= bound[std::size_t(f.rank - 1)] + 1e-9; };
    INFO("l_weight " << w << ": " << some.functions[0].size() << " of " << all.functions[0].size() << " functions");
    CHECK(some.functions[0].size() < all.functions[0].size());
    CHECK(some.functions[0].size() > 10);
    // the same products, and as many independent couplings of each, as the unbounded basis holds within the degree
    CHECK(function_keys(some, [](const AceBasisFunction&) { return true; }) == function_keys(all, within));
  }
  // a bound every product meets changes nothing; a rank without a bound (0) keeps its n_max/l_max box
  AceBasisSpec loose = full;
  loose.max_degree = {100, 0, 100, 100};
  CHECK(ace_b_basis(loose).columns == all.columns);
  AceBasisSpec bad = full;
  bad.max_degree = {4, 5};
  CHECK_THROWS_AS(ace_b_basis(bad), InputError);
  bad.max_degree.clear();
  bad.l_weight = 0.0;
  CHECK_THROWS_AS(ace_b_basis(bad), InputError);
}

TEST_CASE("ACE B-basis: linearly independent, no zero functions, invariant", "[ace][ace_rank]") {
  const AceBasisSet basis = ace_b_basis(small_spec());
  const AceDescriptor d(basis, {.core_density = false});
  const auto nfun = Eigen::Index(d.size());
  const Eigen::Index nenv = 3 * nfun;
  std::mt19937 rng(20240605);
  Eigen::MatrixXd M(nenv, nfun);
  std::uniform_real_distribution<double> angle(0.0, 6.28);
  double worst_rot = 0.0;
  for (Eigen::Index e = 0; e < nenv; ++e) {
    const Structure s = random_environment(rng, 6 + int(e % 7));
    const auto q = features_of_centre(d, s);
    for (Eigen::Index c = 0; c < nfun; ++c) M(e, c) = q[std::size_t(c)];
    if (e % 10 == 0) {  // rotated and permuted copy gives the same features
      const Mat3 R = (Eigen::AngleAxisd(angle(rng), Vec3::UnitZ()) * Eigen::AngleAxisd(angle(rng), Vec3::UnitY()) *
                      Eigen::AngleAxisd(angle(rng), Vec3::UnitX())).toRotationMatrix();
      Structure t;
      t.add_atom(29, Vec3::Zero());
      for (std::size_t k = s.size() - 1; k >= 1; --k) t.add_atom(29, R * s.positions[k]);
      const auto qr = features_of_centre(d, t);
      for (Eigen::Index c = 0; c < nfun; ++c)
        worst_rot = std::max(worst_rot, std::abs(qr[std::size_t(c)] - q[std::size_t(c)]) / (1.0 + std::abs(q[std::size_t(c)])));
    }
  }
  CHECK(worst_rot < 1e-11);
  // no zero function: every column has a clearly nonzero entry
  for (Eigen::Index c = 0; c < nfun; ++c) CHECK(M.col(c).cwiseAbs().maxCoeff() > 1e-6);
  // full column rank after scaling every column to unit norm
  for (Eigen::Index c = 0; c < nfun; ++c) M.col(c).normalize();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(M);
  const auto& sv = svd.singularValues();
  INFO("functions " << nfun << ", smallest/largest singular value " << sv[nfun - 1] / sv[0]);
  CHECK(sv[nfun - 1] / sv[0] > 1e-8);
  // a duplicated function must be caught by the same check (the test can fail)
  Eigen::MatrixXd D = M;
  D.col(nfun - 1) = D.col(nfun - 2);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd2(D);
  CHECK(svd2.singularValues()[nfun - 1] / svd2.singularValues()[0] < 1e-12);
}

TEST_CASE("ACE B-basis: derivatives for a design matrix match finite differences", "[ace][ace_rank]") {
  AceBasisSpec spec = small_spec();
  std::vector<int> species = {29};
  SECTION("one element") {}
  SECTION("one element, simplified spherical Bessel radial base") { spec.radial = AceRadialKind::sbessel; }
  SECTION("two elements, neighbours of both (species-sorted neighbour rows)") {
    spec.elements = {29, 42};
    spec.nmax = {3, 2, 2, 1};
    species = {29, 42};
  }
  const AceDescriptor d(ace_b_basis(spec), {.core_density = false});
  std::mt19937 rng(7);
  Structure s = random_environment(rng, 11, species);
  // the central atom sees both species: B must change when one neighbour changes species
  if (species.size() == 2) {
    Structure t = s;
    t.numbers[1] = t.numbers[1] == 29 ? 42 : 29;
    const auto q0 = features_of_centre(d, s), q1 = features_of_centre(d, t);
    double diff = 0.0;
    for (std::size_t c = 0; c < q0.size(); ++c) diff = std::max(diff, std::abs(q0[c] - q1[c]));
    CHECK(diff > 1e-6);
    // rotation invariance with two species
    const Mat3 R = Eigen::AngleAxisd(1.234, Vec3(1, 2, 3).normalized()).toRotationMatrix();
    Structure r = s;
    for (auto& x : r.positions) x = R * x;
    const auto qr = features_of_centre(d, r);
    for (std::size_t c = 0; c < q0.size(); ++c) CHECK(std::abs(qr[c] - q0[c]) <= 1e-11 * (1 + std::abs(q0[c])));
  }
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  const std::size_t nf = d.size();
  std::vector<double> q(nf), dq(nl.count(0) * 3 * nf);
  d.compute_with_derivatives(s, nl, 0, ws, q, dq);
  const double h = 1e-5;
  double worst = 0.0, scale = 0.0;
  for (std::size_t n = 0; n < nl.count(0); ++n) {
    const std::size_t j = std::size_t(nl.index[nl.begin(0) + n]);
    for (int k = 0; k < 3; ++k) {
      Structure p = s, m = s;
      p.positions[j][k] += h, m.positions[j][k] -= h;
      const auto qp = features_of_centre(d, p), qm = features_of_centre(d, m);
      for (std::size_t c = 0; c < nf; ++c) {
        const double fd = (qp[c] - qm[c]) / (2 * h);
        worst = std::max(worst, std::abs(fd - dq[(n * 3 + std::size_t(k)) * nf + c]));
        scale = std::max(scale, std::abs(fd));
      }
    }
  }
  CHECK(scale > 1e-3);
  CHECK(worst <= 1e-6 * scale);
}

TEST_CASE("ACE B-basis: one-column storage evaluates as its dense copy", "[ace][ace_rank]") {
  // ace_b_basis stores each function's own column only; the evaluator must treat that exactly
  // as the dense layout (every m-combination holding all columns) that files and models use.
  AceBasisSpec spec = small_spec();
  spec.elements = {29, 42};
  spec.nmax = {3, 2, 2, 1};
  const AceBasisSet single = ace_b_basis(spec);
  AceBasisSet dense = single;
  std::size_t zero_columns = 0;
  for (auto& fns : dense.functions)
    for (auto& f : fns) {
      f = f.dense(std::size_t(dense.columns));
      zero_columns += std::size_t(std::count(f.coeffs.begin(), f.coeffs.end(), 0.0));
    }
  dense.validate();
  CHECK(zero_columns > 0);
  const AceDescriptor ds(single, {.core_density = false}), dd(dense, {.core_density = false});
  std::mt19937 rng(11);
  const Structure s = random_environment(rng, 9, {29, 42});
  const NeighbourList nl = build_neighbour_list(s, ds.neighbour_options());
  auto ws = ds.make_workspace(), wd = dd.make_workspace();
  const std::size_t nf = ds.size();
  REQUIRE(dd.size() == nf);
  std::vector<double> qs(nf), qd(nf), gs(nl.count(0) * 3 * nf), gd(gs.size());
  ds.compute_with_derivatives(s, nl, 0, ws, qs, gs);
  dd.compute_with_derivatives(s, nl, 0, wd, qd, gd);
  for (std::size_t c = 0; c < nf; ++c) CHECK(qs[c] == Approx(qd[c]).margin(1e-13));
  double worst = 0.0;
  for (std::size_t k = 0; k < gs.size(); ++k) worst = std::max(worst, std::abs(gs[k] - gd[k]));
  CHECK(worst < 1e-12);
  // a bad column index is refused
  AceBasisSet broken = single;
  broken.functions[0][0].column = broken.columns;
  CHECK_THROWS_WITH(broken.validate(), Catch::Contains("column out of range"));
}
