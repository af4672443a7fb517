// pestle survive MODEL [options] [-o PREFIX]: the survival test of validate/survival.hpp (hot MD from
// hard-sphere random starts; score = fraction of runs without collapse), written to PREFIX.json and
// PREFIX.md (default PREFIX: survival). Progress on stderr.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/runtime/grader.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/validate/survival.hpp"

namespace pestle::cli {

namespace {

/// "Si:1,C:1" (or "Si") -> {14: 1, 6: 1}
std::map<int, int> survive_composition(const std::string& text) {
  std::map<int, int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const std::size_t colon = item.find(':');
    const int z = atomic_number(item.substr(0, colon));
    const int n = colon == std::string::npos ? 1 : int(number_argument("--composition", item.substr(colon + 1)));
    if (n < 1) throw UsageError("--composition: every element needs at least one atom per formula unit");
    out[z] += n;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int run_survive(const Args& args) {
  validate::SurvivalOptions o;
  std::string active_set_file, prefix = "survival";
  std::optional<std::map<int, int>> composition;
  Args positional;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    if (a.empty() || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    if (k + 1 >= args.size()) throw UsageError(a + " needs a value");
    const std::string& v = args[++k];
    if (a == "-o") prefix = v;
    else if (a == "--atoms") o.atoms = std::size_t(number_argument(a, v));
    else if (a == "--temperature") o.temperature = number_argument(a, v);
    else if (a == "--ps") o.picoseconds = number_argument(a, v);
    else if (a == "--runs") o.runs = std::size_t(number_argument(a, v));
    else if (a == "--timestep") o.timestep = number_argument(a, v);
    else if (a == "--volume") o.volume_per_atom = number_argument(a, v);
    else if (a == "--hard-sphere") o.hard_sphere = number_argument(a, v);
    else if (a == "--collapse") o.collapse_distance = number_argument(a, v);
    else if (a == "--check-every") o.check_every = std::size_t(number_argument(a, v));
    else if (a == "--seed") o.seed = std::uint64_t(number_argument(a, v));
    else if (a == "--gamma-limit") o.gamma_limit = number_argument(a, v);
    else if (a == "--active-set") active_set_file = v;
    else if (a == "--composition") composition = survive_composition(v);
    else throw UsageError("unknown option '" + a + "'");
  }
  if (positional.size() != 1) throw UsageError("expected one MODEL");
  const std::string& model = positional[0];
  const runtime::CalculatorPtr calc = runtime::load_calculator(model);
  if (composition) {
    o.composition = *composition;
  } else {
    if (calc->species().empty()) throw UsageError("this model takes any element: give --composition, e.g. Si:1");
    o.composition.clear();
    for (int z : calc->species()) o.composition[z] = 1;
  }
  for (const auto& [z, n] : o.composition) {
    const std::vector<int> covered = calc->species();
    if (!covered.empty() && std::find(covered.begin(), covered.end(), z) == covered.end())
      throw InputError(std::string(element_symbol(z)) + " is not an element of '" + model + "'");
  }
  if (o.gamma_limit > 0.0 && active_set_file.empty()) throw UsageError("--gamma-limit needs --active-set FILE.asi");
  std::optional<runtime::Grader> graded;
  if (!active_set_file.empty())
    graded.emplace(runtime::Grader::load(model, active_set_file));
  o.validate();
  std::cerr << "pestle survive: " << o.runs << " runs of " << o.atoms << " atoms, " << o.steps() << " steps each\n";
  const validate::SurvivalReport report = validate::survival_test(
      *calc, o, graded ? &*graded : nullptr, [](const std::string& m) { std::cerr << "pestle survive: " << m << "\n"; });
  std::ofstream(prefix + ".json") << validate::survival_to_json(report, o, model).dump(1) << "\n";
  std::ofstream md(prefix + ".md");
  md << validate::survival_markdown(report, o, model);
  if (!md) throw InputError("cannot write '" + prefix + ".md'");
  std::cout << "survived " << int(std::lround(100 * report.fraction())) << " % of " << o.runs << " runs; wrote " << prefix
            << ".json and " << prefix << ".md\n";
  return 0;
}

}  // namespace pestle::cli
