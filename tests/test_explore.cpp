// Random structures, selection and labellers (include/pestle/explore/).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_helpers.hpp"
#include "pestle/explore/labeller.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/explore/selection.hpp"
#include "pestle/reference/lennard_jones.hpp"
#include "pestle/reference/stillinger_weber.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

RandomStructureParams silicon_params() {
  RandomStructureParams p;
  p.composition = {{14, 1}};
  p.min_atoms = 2;
  p.max_atoms = 8;
  p.volume_per_atom = 20.0;
  p.volume_spread = 0.2;
  p.min_separation = 2.2;
  return p;
}

/// The numpy Lennard-Jones stand-in for a DFT code (tests/explore/lj_label.py), two at a time.
CommandLabellerOptions lj_labeller_options(double timeout_seconds) {
  CommandLabellerOptions o;
  o.command = "/usr/bin/python3 " PESTLE_TEST_DIR "/explore/lj_label.py {input} {output}";
  o.processes = 2;
  o.timeout_seconds = timeout_seconds;
  return o;
}

}  // namespace

TEST_CASE("random structures honour counts, volume, separations and cell bounds", "[explore]") {
  RandomStructureParams p = silicon_params();
  const RandomStructureGenerator gen({p}, 7);
  for (std::uint64_t k = 0; k < 30; ++k) {
    const Structure s = gen.generate(k);
    REQUIRE_NOTHROW(s.validate());
    CHECK(s.size() >= 2);
    CHECK(s.size() <= 8);
    const double v = s.volume() / static_cast<double>(s.size());
    CHECK(v >= 16.0 - 1e-9);
    CHECK(v <= 24.0 + 1e-9);
    CHECK(test::brute_shortest_distance(s) >= 2.2 - 1e-9);
    double lmin = 1e300, lmax = 0;
    for (int a = 0; a < 3; ++a) {
      lmin = std::min(lmin, s.cell.row(a).norm());
      lmax = std::max(lmax, s.cell.row(a).norm());
      const Vec3 u = s.cell.row(a), w = s.cell.row((a + 1) % 3);
      const double angle = std::acos(u.dot(w) / (u.norm() * w.norm())) * 180.0 / std::numbers::pi;
      CHECK(angle >= 60.0 - 1e-9);
      CHECK(angle <= 120.0 + 1e-9);
    }
    CHECK(lmax / lmin <= 2.0 + 1e-9);
  }
}

TEST_CASE("random structures are reproducible from the seed and differ between seeds", "[explore]") {
  const RandomStructureGenerator a({silicon_params()}, 11), b({silicon_params()}, 11), c({silicon_params()}, 12);
  const Structure s1 = a.generate(5), s2 = b.generate(5), s3 = c.generate(5);
  CHECK(s1.positions == s2.positions);
  CHECK(s1.cell == s2.cell);
  CHECK(s1.cell != s3.cell);
  // structure k does not depend on which structures were generated before
  const auto batch = a.generate(3, 4);
  CHECK(batch[2].cell == s1.cell);
}

TEST_CASE("mixed parameter sets, compositions and inversion symmetry", "[explore]") {
  RandomStructureParams si = silicon_params();
  RandomStructureParams sic;
  sic.composition = {{14, 1}, {6, 1}};
  sic.min_atoms = 4;
  sic.max_atoms = 6;
  sic.volume_per_atom = 12.0;
  sic.min_separation = 1.5;
  sic.pair_min_separation[{6, 6}] = 1.3;
  sic.symmetry_probability = 1.0;
  sic.weight = 3.0;
  const RandomStructureGenerator gen({si, sic}, 3);
  int mixed = 0;
  for (std::uint64_t k = 0; k < 40; ++k) {
    const Structure s = gen.generate(k);
    const auto carbon = std::count(s.numbers.begin(), s.numbers.end(), 6);
    if (carbon == 0) continue;
    ++mixed;
    CHECK(2 * carbon == static_cast<long>(s.size()));
    // inversion symmetric: every fractional position has a partner at -s (mod 1) of the same element
    for (std::size_t i = 0; i < s.size(); ++i) {
      const Vec3 f = s.fractional(s.positions[i]);
      bool partner = false;
      for (std::size_t j = 0; j < s.size() && !partner; ++j) {
        Vec3 d = s.fractional(s.positions[j]) + f;
        for (int a = 0; a < 3; ++a) d[a] -= std::round(d[a]);
        partner = s.numbers[i] == s.numbers[j] && d.norm() < 1e-9;
      }
      CHECK(partner);
    }
  }
  CHECK(mixed > 20);  // weight 3 of 4
  CHECK(mixed < 40);
}

TEST_CASE("impossible random-structure requests are clear InputErrors", "[explore]") {
  RandomStructureParams p = silicon_params();
  p.min_separation = 4.0;  // spheres of 4 Å in 20 Å^3 would overfill space
  CHECK_THROWS_WITH(RandomStructureGenerator({p}, 1), Catch::Contains("densest packing"));
  p = silicon_params();
  p.min_separation = 2.9;  // allowed by packing (0.64), beyond what random placement reaches
  p.max_attempts = 5;
  p.volume_spread = 0.0;
  p.min_atoms = p.max_atoms = 8;
  const RandomStructureGenerator gen({p}, 1);
  CHECK_THROWS_WITH(gen.generate(0), Catch::Contains("could not place"));
  p = silicon_params();
  p.composition = {{14, 3}};
  p.min_atoms = 4;
  p.max_atoms = 5;
  CHECK_THROWS_AS(RandomStructureGenerator({p}, 1), InputError);
}

TEST_CASE("Hookean wall adds k(d-r)^2 with consistent forces and stress", "[explore]") {
  const LennardJones lj = LennardJones(14, LennardJonesParams{0.01, 2.0, 4.0});
  const HookeanWall wall(lj, 5.0, 2.5);
  Structure s;
  s.cell = Mat3::Identity() * 6.0;
  s.pbc = {true, true, true};
  s.add_atom(14, Vec3(1, 1, 1));
  s.add_atom(14, Vec3(3.0, 1.2, 1.1));
  s.add_atom(14, Vec3(1.5, 2.9, 1.3));
  const PotentialResult plain = lj.compute(s), walled = wall.compute(s);
  double expected = 0.0;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = i + 1; j < 3; ++j) {
      const double r = (s.positions[i] - s.positions[j]).norm();
      if (r < 2.5) expected += 5.0 * (2.5 - r) * (2.5 - r);
    }
  CHECK(expected > 0.1);
  CHECK(walled.energy - plain.energy == Approx(expected).epsilon(1e-12));
  // forces: central differences
  const double h = 1e-5;
  for (std::size_t i = 0; i < 3; ++i)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions[i][a] += h;
      m.positions[i][a] -= h;
      const double fd = -(wall.compute(p).energy - wall.compute(m).energy) / (2 * h);
      CHECK(walled.forces[i][a] == Approx(fd).margin(1e-6));
    }
  // stress: dE/dε / V under a small homogeneous strain of xy
  Mat3 strain = Mat3::Identity();
  strain(0, 1) = strain(1, 0) = h / 2;
  auto strained = [&](double sign) {
    Structure t = s;
    Mat3 e = Mat3::Identity() + sign * (strain - Mat3::Identity());
    t.cell = t.cell * e;
    for (auto& r : t.positions) r = e * r;
    return wall.compute(t).energy;
  };
  CHECK((*walled.stress)(0, 1) == Approx((strained(1) - strained(-1)) / (2 * h) / s.volume()).margin(1e-6));
}

TEST_CASE("Boltzmann histogram weights favour low enthalpy and flatten crowded bins", "[explore]") {
  // ten structures crowd the high-energy bin, one sits low
  std::vector<double> h(11, 0.5);
  h[0] = 0.0;
  const auto w = boltzmann_histogram_weights(h, 0.1, 10);
  CHECK(w[0] == Approx(std::exp(0.0) / (std::exp(0.0) + std::exp(-5.0))).epsilon(1e-12));
  CHECK(w[1] == Approx(w[0] * std::exp(-5.0) / 10.0).epsilon(1e-12));
  const auto pick = boltzmann_histogram_select(h, 3, 0.1, 5, 10);
  REQUIRE(pick.size() == 3);
  CHECK(pick[0] == 0);
  CHECK(boltzmann_histogram_select(h, 3, 0.1, 5, 10) == pick);  // seeded
  CHECK(boltzmann_histogram_select(h, 20, 0.1, 5).size() == 11);
  CHECK_THROWS_AS(boltzmann_histogram_weights(h, 0.0), InputError);
  // large kT: low and high are drawn at comparable rates per bin
  std::vector<std::size_t> hits(2, 0);
  for (std::uint64_t seed = 0; seed < 400; ++seed) ++hits[boltzmann_histogram_select(h, 1, 100.0, seed, 10)[0] == 0 ? 0 : 1];
  CHECK(hits[0] > 150);
  CHECK(hits[1] > 150);
}

TEST_CASE("CUR and Boltzmann-CUR pick distinct, diverse structures", "[explore]") {
  Eigen::MatrixXd d(6, 3);
  d << 1, 0, 0,  //
      1, 0, 0,   // duplicate of row 0
      0.99, 0.01, 0, 0, 1, 0, 0, 0, 1, 0, 0.7, 0.7;
  const auto c = cur_select(d, 3);
  REQUIRE(c.size() == 3);
  CHECK(std::count_if(c.begin(), c.end(), [](std::size_t i) { return i <= 2; }) == 1);  // one of the near-copies
  CHECK(cur_select(d.topRows(2), 2).size() == 1);  // duplicates are never chosen twice
  const std::vector<double> h = {0.0, 0.0, 0.01, 0.02, 0.03, 5.0};
  const auto bc = boltzmann_cur_select(h, d, 5, 2, 0.05, 1);
  CHECK(bc.size() == 2);
  CHECK(std::find(bc.begin(), bc.end(), 5) == bc.end());  // the high-enthalpy one is not in the pool
  CHECK_THROWS_AS(boltzmann_cur_select({0.0}, d, 5, 2, 0.05, 1), InputError);
}

TEST_CASE("average SOAP separates structures; dimers and isolated atoms", "[explore]") {
  SoapParams sp;
  sp.cutoff = 4.0;
  sp.n_max = 4;
  sp.l_max = 3;
  const Soap<> soap(sp);
  const RandomStructureGenerator gen({silicon_params()}, 2);
  const std::vector<Structure> s = gen.generate(0, 4);
  const Eigen::MatrixXd m = average_soap_matrix(soap, s);
  CHECK(m.rows() == 4);
  for (Eigen::Index k = 0; k < 4; ++k) CHECK(m.row(k).norm() == Approx(1.0));
  CHECK((m.row(0) - m.row(1)).norm() > 1e-3);
  const auto dimers = dimer_structures({14, 6}, 1.5, 3.0, 4);
  CHECK(dimers.size() == 12);
  CHECK((dimers[3].positions[1] - dimers[3].positions[0]).norm() == Approx(3.0));
  CHECK(isolated_atom(14).size() == 1);
  CHECK_THROWS_AS(dimer_structures({14}, 2.0, 1.0, 3), InputError);
}

TEST_CASE("reference labeller labels in parallel and the cache prevents recomputation", "[explore]") {
  const auto dir = test::scratch_dir("ref");
  std::atomic<int> calls{0};
  Labeller sw = reference_labeller(StillingerWeber::silicon(), "sw", 2);
  const LabelFunction inner = sw.label;
  sw.label = [&calls, inner](const Structure& s, const std::filesystem::path& w) {
    ++calls;
    return inner(s, w);
  };
  const auto structures = RandomStructureGenerator({silicon_params()}, 4).generate(0, 6);
  LabelCounts counts;
  const auto first = label_structures(sw, structures, dir, &counts);
  CHECK(calls == 6);
  CHECK(counts.computed == 6);
  for (std::size_t k = 0; k < 6; ++k) {
    REQUIRE(first[k].frame);
    CHECK(*first[k].frame->labels.energy == Approx(StillingerWeber::silicon().compute(structures[k]).energy));
  }
  const auto again = label_structures(sw, structures, dir, &counts);
  CHECK(calls == 6);
  CHECK(counts.cached == 6);
  CHECK(*again[3].frame->labels.energy == *first[3].frame->labels.energy);
  CHECK(again[3].frame->labels.forces == first[3].frame->labels.forces);
  std::filesystem::remove_all(dir);
}

TEST_CASE("command labeller: the shipped GPAW script really runs PBE, and its forces are -dE/dx", "[explore][gpaw]") {
  // examples/rss/gpaw_label.py on a rattled 2-atom Si cell with cheap settings (250 eV, k density 2):
  // about 10 s per calculation. Needs Debian's gpaw and gpaw-data (scripts/setup.sh installs them).
  REQUIRE(std::system("/usr/bin/python3 -c 'import gpaw' > /dev/null 2>&1") == 0);  // else: run scripts/setup.sh
  const auto dir = test::scratch_dir("gpaw");
  Structure si;
  si.cell << 0.0, 2.715, 2.715, 2.715, 0.0, 2.715, 2.715, 2.715, 0.0;  // rows are lattice vectors
  si.numbers = {14, 14};
  si.positions = {Vec3(0.08, -0.03, -0.03), Vec3(1.30, 1.40, 1.24)};
  si.pbc = {true, true, true};
  const double h = 0.02;  // Å, central difference of the energy along x of atom 0
  Structure plus = si, minus = si;
  plus.positions[0].x() += h;
  minus.positions[0].x() -= h;
  CommandLabellerOptions o;
  o.command = "OMP_NUM_THREADS=1 /usr/bin/python3 " PESTLE_TEST_DIR "/../examples/rss/gpaw_label.py {input} {output} "
              "--ecut 250 --kdensity 2.0";
  o.processes = 2;
  o.timeout_seconds = 600;
  LabelCounts counts;
  const auto out = label_structures(command_labeller(o), {si, plus, minus}, dir, &counts);
  for (const auto& r : out) {
    INFO(r.error);
    REQUIRE(r.frame);
  }
  CHECK(counts.computed == 3);
  const Labels& l = out[0].frame->labels;
  CHECK(*l.energy / 2.0 == Approx(-5.3).margin(0.5));  // PBE PAW total energy of Si, eV/atom
  const Vec3 net = (*l.forces)[0] + (*l.forces)[1];
  CHECK(net.norm() < 1e-3);                             // momentum conservation
  CHECK((*l.forces)[0].norm() > 0.3);                   // the rattle gives real forces
  REQUIRE(l.stress);
  const double fd = -(*out[1].frame->labels.energy - *out[2].frame->labels.energy) / (2.0 * h);
  // GPAW's default SCF tolerance leaves ~1e-3 eV of noise in E, i.e. ~0.03 eV/Å in this difference;
  // a sign, unit or atom-order mistake would be off by the whole force (1.6 eV/Å here).
  CHECK((*l.forces)[0].x() == Approx(fd).margin(0.05));
  std::filesystem::remove_all(dir);
}

TEST_CASE("command labeller: LJ via python, crashes, hangs and NaN are recorded and skipped", "[explore]") {
  const auto dir = test::scratch_dir("cmd");
  const auto structures = RandomStructureGenerator({silicon_params()}, 5).generate(0, 3);
  const std::string script = PESTLE_TEST_DIR "/explore/lj_label.py";
  CommandLabellerOptions o = lj_labeller_options(60);
  LabelCounts counts;
  const auto good = label_structures(command_labeller(o), structures, dir / "good", &counts);
  const LennardJones lj = LennardJones(14, LennardJonesParams{0.1, 2.1, 5.0});
  CHECK(counts.computed == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(good[k].frame);
    const PotentialResult r = lj.compute(structures[k]);
    CHECK(*good[k].frame->labels.energy == Approx(r.energy).epsilon(1e-9));
    CHECK((*good[k].frame->labels.forces)[0][1] == Approx(r.forces[0][1]).margin(1e-9));
    CHECK((*good[k].frame->labels.stress)(0, 2) == Approx((*r.stress)(0, 2)).margin(1e-9));
  }
  for (const std::string mode : {"crash", "nan", "unconverged", "hang"}) {
    CommandLabellerOptions bad = o;
    bad.command = "/usr/bin/python3 " + script + " {input} {output} " + mode;
    // only the hang needs a short timeout; the others get the generous one (a loaded machine under
    // ASan can take seconds just to start python)
    if (mode == "hang") bad.timeout_seconds = 1.0;
    const auto out = label_structures(command_labeller(bad), {structures[0]}, dir / mode, &counts);
    INFO(mode << ": " << out[0].error);
    CHECK(!out[0].frame);
    CHECK(counts.failed == 1);
    if (mode == "hang") CHECK_THAT(out[0].error, Catch::Contains("timed out"));
    if (mode == "crash") CHECK_THAT(out[0].error, Catch::Contains("exited with status"));
    if (mode == "nan") CHECK_THAT(out[0].error, Catch::Contains("not finite"));
    if (mode == "unconverged") CHECK_THAT(out[0].error, Catch::Contains("converge"));
    // the failure is remembered: a rerun does not start the command again
    const auto again = label_structures(command_labeller(bad), {structures[0]}, dir / mode, &counts);
    CHECK(counts.cached == 0);
    CHECK(counts.failed == 1);
    CHECK(again[0].cached);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("command labeller: a failed calculation is retried in a fresh directory", "[explore]") {
  const auto dir = test::scratch_dir("cmd_retry");
  std::filesystem::create_directories(dir);
  const auto structures = RandomStructureGenerator({silicon_params()}, 5).generate(0, 1);
  const std::string script = PESTLE_TEST_DIR "/explore/lj_label.py";
  // The first attempt crashes; every later one runs the LJ script (the count lives outside the
  // scratch directory, which a retry empties).
  const std::string counter = (dir / "attempts").string();
  CommandLabellerOptions o;
  o.command = "n=$(cat " + counter + " 2>/dev/null || echo 0); echo $((n+1)) > " + counter +
              "; [ $n -ge 1 ] || exit 5; /usr/bin/python3 " + script + " {input} {output}";
  o.timeout_seconds = 60;
  LabelCounts counts;
  const auto once = label_structures(command_labeller(o), structures, dir / "no_retry", &counts);
  CHECK(!once[0].frame);
  CHECK_THAT(once[0].error, Catch::Contains("exited with status 5"));
  std::filesystem::remove(counter);
  o.retries = 2;
  const auto retried = label_structures(command_labeller(o), structures, dir / "retry", &counts);
  REQUIRE(retried[0].frame);
  CHECK(counts.computed == 1);
  std::string attempts;
  std::ifstream(counter) >> attempts;
  CHECK(attempts == "2");  // one failure, one success, no third run
  // every attempt failing: the error says how many were made
  o.command = "exit 7";
  const auto failed = label_structures(command_labeller(o), structures, dir / "always", &counts);
  CHECK_THAT(failed[0].error, Catch::Contains("exited with status 7") && Catch::Contains("3 attempts"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("command labeller through a batch scheduler: submit, poll, collect, lost and failed jobs", "[explore]") {
  const auto dir = test::scratch_dir("sched");
  const auto structures = RandomStructureGenerator({silicon_params()}, 5).generate(0, 3);
  CommandLabellerOptions o = lj_labeller_options(120);
  SchedulerOptions q;
  q.submit = "sh " PESTLE_TEST_DIR "/explore/local_submit.sh {job_script}";
  q.poll = "kill -0 {job_id} 2>/dev/null && echo running";
  q.cancel = "kill -- -{job_id}";
  q.poll_seconds = 0.2;
  o.scheduler = q;
  LabelCounts counts;
  const auto out = label_structures(command_labeller(o), structures, dir / "good", &counts);
  const LennardJones lj = LennardJones(14, LennardJonesParams{0.1, 2.1, 5.0});
  CHECK(counts.computed == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    INFO(out[k].error);
    REQUIRE(out[k].frame);
    CHECK(*out[k].frame->labels.energy == Approx(lj.compute(structures[k]).energy).epsilon(1e-9));
  }
  SECTION("the job id is the submit command's last word, up to a ';'") {
    CHECK(explore::detail::label::job_id_of("Submitted batch job 1234\n") == "1234");
    CHECK(explore::detail::label::job_id_of("5678;cluster\n") == "5678");
    CHECK(explore::detail::label::job_id_of("91.pbs-server\n") == "91.pbs-server");
  }
  SECTION("a job that leaves the queue without finishing is a recorded failure") {
    CommandLabellerOptions lost = o;
    lost.scheduler->submit = "echo 4242";  // accepted, but nothing runs
    lost.scheduler->poll = "true";          // and the queue no longer lists it
    const auto r = label_structures(command_labeller(lost), {structures[0]}, dir / "lost", &counts);
    CHECK(!r[0].frame);
    CHECK_THAT(r[0].error, Catch::Contains("job 4242 left the queue"));
  }
  SECTION("a job whose command fails, a refused submission and a timeout") {
    CommandLabellerOptions crash = o;
    crash.command += " crash";
    const auto r = label_structures(command_labeller(crash), {structures[0]}, dir / "crash", &counts);
    CHECK_THAT(r[0].error, Catch::Contains("exited with status 3"));
    CommandLabellerOptions refused = o;
    refused.scheduler->submit = "echo 'sbatch: error: invalid partition' >&2; exit 1";
    const auto s = label_structures(command_labeller(refused), {structures[0]}, dir / "refused", &counts);
    CHECK_THAT(s[0].error, Catch::Contains("could not be submitted") && Catch::Contains("invalid partition"));
    CommandLabellerOptions hang = o;
    hang.command += " hang";
    hang.timeout_seconds = 1.0;
    const auto h = label_structures(command_labeller(hang), {structures[0]}, dir / "hang", &counts);
    CHECK_THAT(h[0].error, Catch::Contains("timed out") && Catch::Contains("cancelled"));
  }
  CHECK_THROWS_AS(command_labeller([&] { auto x = o; x.scheduler->poll.clear(); return x; }()), InputError);
  std::filesystem::remove_all(dir);
}
