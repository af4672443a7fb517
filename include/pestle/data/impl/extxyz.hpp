#pragma once
// Definitions of data/extxyz.hpp's reading and writing entry points. Inline in header-only use;
// compiled once in src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME.
#include "pestle/data/extxyz.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE std::optional<Frame> ExtXyzReader::next() {
  if (done_) return std::nullopt;
  try {
    auto f = read_frame();
    if (!f) done_ = true;
    else ++frames_;
    return f;
  } catch (...) {
    done_ = true;
    throw;
  }
}


PESTLE_RUNTIME_INLINE void write_extxyz(std::ostream& out, const Frame& f) {
  extxyz_detail::check_frame(f);
  std::string text;
  io::append_int(text, static_cast<std::int64_t>(f.size()));
  text += '\n';
  text += extxyz_detail::comment_line(f);
  text += '\n';
  for (std::size_t i = 0; i < f.size(); ++i) extxyz_detail::append_atom_line(text, f, i);
  out << text;
  if (!out) throw Error("write error");
}

PESTLE_RUNTIME_INLINE Dataset read_extxyz(std::istream& in, const std::string& name) {
  ExtXyzReader r(in, name);
  Dataset d;
  while (auto f = r.next()) d.push_back(std::move(*f));
  return d;
}

PESTLE_RUNTIME_INLINE Dataset read_extxyz(const std::string& path) {
  ExtXyzReader r(path);
  Dataset d;
  while (auto f = r.next()) d.push_back(std::move(*f));
  return d;
}

}  // namespace pestle
