// pestle describe DESCRIPTOR IN.xyz -o OUT.csv [--gradients]: descriptor vectors (and gradients)
// of every atom of the first frame of IN.xyz, in the CSV layout of QUIP reference files
// (../shared/data/reference/quip-gap/README.md section 3.4): 1-based centres, 17 significant digits.
// DESCRIPTOR is a QUIP descriptor string ("soap cutoff=5.2 n_max=8 l_max=8 atom_sigma=0.5 ...",
// "distance_2b cutoff=5 ...", "distance_Nb order=3 cutoff=4 ...") or a JSON file holding
// {"descriptor": "<such a string>"}.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/descriptors/distance_nb.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/models/gap.hpp"

namespace pestle::cli {

/// Fortran's ES24.16E3 with an explicit sign: +2.8549049035284718E-001.
inline std::string fortran_es(double x) {
  if (x == 0.0) return std::signbit(x) ? "-0.0000000000000000E+000" : "+0.0000000000000000E+000";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.16E", x);  // +2.8549049035284718E-01
  std::string s(buf);
  const std::size_t e = s.find('E');
  const int exponent = std::stoi(s.substr(e + 1));
  std::snprintf(buf, sizeof buf, "%c%03d", exponent < 0 ? '-' : '+', std::abs(exponent));
  s.resize(e + 1);
  s.append(buf);
  return s;
}

inline std::string descriptor_text(const std::string& arg) {
  if (arg.size() > 5 && arg.substr(arg.size() - 5) == ".json") {
    std::ifstream in(arg);
    if (!in) throw InputError("cannot open descriptor file '" + arg + "'");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("descriptor") || !j["descriptor"].is_string())
      throw InputError(arg + ": expected a JSON object {\"descriptor\": \"<QUIP descriptor string>\"}");
    return j["descriptor"].get<std::string>();
  }
  return arg;
}

/// One CSV row: values per centre (desc) or per (centre, neighbour, component) (grad).
struct DescribeRows {
  std::vector<std::string> desc, grad;
};

inline void add_value_row(DescribeRows& out, std::size_t centre, int z, const double* q, std::size_t d) {
  std::string row = std::to_string(centre + 1);
  row.push_back(',');
  row.append(std::to_string(z));
  for (std::size_t c = 0; c < d; ++c) {
    row.push_back(',');
    row.append(fortran_es(q[c]));
  }
  out.desc.push_back(std::move(row));
}

/// Gradient rows of one centre from per-atom summed derivatives g[atom] (d × 3, column-major).
inline void add_gradient_rows(DescribeRows& out, const Structure& s, std::size_t centre,
                              const std::map<std::size_t, std::vector<double>>& g, std::size_t d) {
  static const char* comp[3] = {"x", "y", "z"};
  for (const auto& [atom, v] : g)
    for (int k = 0; k < 3; ++k) {
      std::string row;
      for (const std::string& field : {std::to_string(centre + 1), std::to_string(s.numbers[centre]),
                                       std::to_string(atom + 1), std::to_string(s.numbers[atom])}) {
        row.append(field);
        row.push_back(',');
      }
      row.append(comp[k]);
      for (std::size_t c = 0; c < d; ++c) {
        row.push_back(',');
        row.append(fortran_es(v[static_cast<std::size_t>(k) * d + c]));
      }
      out.grad.push_back(std::move(row));
    }
}

inline DescribeRows describe_soap(const io::QuipSoap& q, const Structure& s, bool gradients) {
  const Soap<> soap(gap_detail::soap_params(q));
  const NeighbourList nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  const std::size_t d = soap.size();
  std::vector<double> v(d), dq;
  DescribeRows out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!soap.applies_to(s.numbers[i])) continue;
    const std::size_t nn = nl.count(i);
    if (!gradients) {
      soap.compute(s, nl, i, ws, v);
      add_value_row(out, i, s.numbers[i], v.data(), d);
      continue;
    }
    dq.assign(std::max<std::size_t>(1, nn * 3 * d), 0.0);
    soap.compute_with_derivatives(s, nl, i, ws, v, std::span<double>(dq.data(), nn * 3 * d));
    add_value_row(out, i, s.numbers[i], v.data(), d);
    // total derivative per atom: entries to j add +dq to j and -dq to the centre
    std::map<std::size_t, std::vector<double>> g;
    g[i].assign(3 * d, 0.0);
    for (std::size_t n = 0; n < nn; ++n) {
      const auto j = static_cast<std::size_t>(nl.index[nl.begin(i) + n]);
      auto& gj = g[j];
      gj.resize(3 * d, 0.0);
      for (std::size_t k = 0; k < 3 * d; ++k) {
        gj[k] += dq[n * 3 * d + k];
        g[i][k] -= dq[n * 3 * d + k];
      }
    }
    add_gradient_rows(out, s, i, g, d);
  }
  return out;
}

template <class D>
DescribeRows describe_clusters(const D& desc, const Structure& s, bool gradients) {
  const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
  const std::size_t d = desc.size();
  DescribeRows out;
  for (std::size_t i = 0; i < s.size(); ++i)
    desc.for_each(s, nl, i, [&](const ClusterInstance& c) {
      const auto first = static_cast<std::size_t>(c.atom[0]);
      add_value_row(out, first, s.numbers[first], c.x.data(), d);
      if (!gradients) return;
      std::map<std::size_t, std::vector<double>> g;
      for (int k = 0; k < c.atoms; ++k) {
        auto& ga = g[static_cast<std::size_t>(c.atom[static_cast<std::size_t>(k)])];
        ga.resize(3 * d, 0.0);
        for (std::size_t comp = 0; comp < d; ++comp)
          for (int x = 0; x < 3; ++x) ga[static_cast<std::size_t>(x) * d + comp] += c.dx[comp][static_cast<std::size_t>(k)][x];
      }
      add_gradient_rows(out, s, first, g, d);
    });
  return out;
}

int run_describe(const Args& args) {
  const ParsedArgs parsed = parse_args(args, {"--gradients"});
  if (parsed.positional.size() != 2) throw UsageError("expected DESCRIPTOR and IN.xyz");
  if (parsed.output.empty()) throw UsageError("give -o OUT.csv");
  const std::string text = descriptor_text(parsed.positional[0]);
  const io::QuipDescriptor desc = io::parse_quip_descriptor(text);
  const Dataset data = read_extxyz(parsed.positional[1]);
  if (data.empty()) throw InputError(parsed.positional[1] + " holds no structures");
  const Structure& s = data[0].structure;
  s.validate();
  const bool gradients = parsed.has("--gradients");
  DescribeRows rows;
  if (const auto* q = std::get_if<io::QuipSoap>(&desc)) rows = describe_soap(*q, s, gradients);
  else if (const auto* d2 = std::get_if<io::QuipDistance2b>(&desc)) rows = describe_clusters(Distance2b(*d2), s, gradients);
  else rows = describe_clusters(DistanceNb(std::get<io::QuipDistanceNb>(desc)), s, gradients);
  const std::size_t d = io::quip_descriptor_dimensions(desc);
  auto write = [&](const std::string& path, const std::vector<std::string>& body, bool grad) {
    std::ofstream out(path);
    if (!out) throw InputError("cannot write '" + path + "'");
    out << "# descriptor: " << text << "\n";
    if (grad) out << "# row = d q_k(center) / d r(neighbour, component), summed over all periodic images of neighbour (total derivative)\n";
    out << "# n_atoms=" << s.size() << " dimension=" << d << "\n";
    out << (grad ? "center,center_Z,neighbour,neighbour_Z,component" : "center,center_Z");
    for (std::size_t c = 1; c <= d; ++c) out << (grad ? ",dq" : ",q") << c;
    out << "\n";
    for (const auto& r : body) out << r << "\n";
  };
  write(parsed.output, rows.desc, false);
  std::cout << "wrote " << parsed.output << " (" << rows.desc.size() << " rows, dimension " << d << ")\n";
  if (gradients) {
    // OUT.desc.csv -> OUT.grad.csv (the reference files' naming), OUT.csv -> OUT.grad.csv
    std::string grad_path = parsed.output;
    for (const char* tail : {".desc.csv", ".csv"}) {
      const std::string t(tail);
      if (grad_path.size() > t.size() && grad_path.compare(grad_path.size() - t.size(), t.size(), t) == 0) {
        grad_path.resize(grad_path.size() - t.size());
        break;
      }
    }
    grad_path += ".grad.csv";
    write(grad_path, rows.grad, true);
    std::cout << "wrote " << grad_path << " (" << rows.grad.size() << " rows)\n";
  }
  return 0;
}

}  // namespace pestle::cli
