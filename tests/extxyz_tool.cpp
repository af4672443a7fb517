// Small driver for the ASE cross-check (tests/ase_roundtrip.py):
//   extxyz_tool dump FILE.xyz        every frame as JSON on stdout (full precision)
//   extxyz_tool copy IN.xyz OUT.xyz  read with pestle, write with pestle
#include <iostream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "pestle/data/extxyz.hpp"

namespace {

using nlohmann::json;

json matrix(const pestle::Mat3& m) {
  json rows = json::array();
  for (int i = 0; i < 3; ++i) rows.push_back({m(i, 0), m(i, 1), m(i, 2)});
  return rows;
}

json info_value(const pestle::InfoValue& v) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return {{"bare", true}};
        else if constexpr (std::is_same_v<T, std::vector<bool>>) return json(std::vector<bool>(x));
        else return json(x);
      },
      v);
}

json frame_json(const pestle::Frame& f) {
  json j;
  j["numbers"] = f.structure.numbers;
  json pos = json::array();
  for (const auto& r : f.structure.positions) pos.push_back({r.x(), r.y(), r.z()});
  j["positions"] = pos;
  j["cell"] = matrix(f.structure.cell);
  j["pbc"] = {f.structure.pbc[0], f.structure.pbc[1], f.structure.pbc[2]};
  const auto& l = f.labels;
  j["energy"] = l.energy ? json(*l.energy) : json(nullptr);
  if (l.forces) {
    json fs = json::array();
    for (const auto& r : *l.forces) fs.push_back({r.x(), r.y(), r.z()});
    j["forces"] = fs;
  } else {
    j["forces"] = nullptr;
  }
  j["stress"] = l.stress ? matrix(*l.stress) : json(nullptr);
  j["virial"] = l.virial ? matrix(*l.virial) : json(nullptr);
  j["weight"] = l.weight;
  j["config_type"] = l.config_type;
  json info = json::object();
  json types = json::object();
  for (const auto& [k, v] : l.info.entries()) {
    info[k] = info_value(v);
    static const char* names[] = {"bare", "bool", "int", "real", "string", "bools", "ints", "reals", "strings"};
    types[k] = names[v.index()];
  }
  j["info"] = info;
  j["info_types"] = types;
  json arrays = json::object();
  for (const auto& p : f.atom_properties) {
    json a;
    a["type"] = std::string(1, static_cast<char>(p.type));
    a["columns"] = p.columns;
    if (p.type == pestle::AtomProperty::Type::real) a["values"] = p.reals;
    else if (p.type == pestle::AtomProperty::Type::string) a["values"] = p.strings;
    else a["values"] = p.integers;
    arrays[p.name] = a;
  }
  j["arrays"] = arrays;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = "usage: extxyz_tool dump FILE.xyz | extxyz_tool copy IN.xyz OUT.xyz\n";
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "dump" && argc == 3) {
      json frames = json::array();
      pestle::ExtXyzReader r(argv[2]);
      while (auto f = r.next()) frames.push_back(frame_json(*f));
      std::cout << frames.dump(1) << "\n";
      return 0;
    }
    if (cmd == "copy" && argc == 4) {
      pestle::write_extxyz(argv[3], pestle::read_extxyz(argv[2]));
      return 0;
    }
    std::cerr << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "extxyz_tool: " << e.what() << "\n";
    return 1;
  }
}
