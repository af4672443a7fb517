#pragma once
// A small SVG writer for the optimiser's plots (convergence, parity): panels on a grid,
// each with linear or log10 axes, "nice" ticks, point/line/step series and an optional
// y = x diagonal. No GUI or plotting library needed; any browser shows the file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle::optimise::svg {

enum class Style { points, line, step };

struct Series {
  std::string label;
  std::vector<double> x, y;
  std::string colour = "#1f77b4";
  Style style = Style::points;
};

struct Panel {
  std::string title, xlabel, ylabel;
  bool log_y = false;
  bool diagonal = false;  ///< draw y = x and use equal axis ranges (parity plots)
  std::vector<Series> series;
};

namespace detail {

inline std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

/// Ticks at 1, 2 or 5 times a power of ten, about `target` of them.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  const double span = hi - lo;
  if (!(span > 0.0)) return {lo};
  const double raw = span / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

/// Ticks of a log10 axis (positions in log10 units): decades, else 1-2-5, else 1..9 per decade.
inline std::vector<double> log_ticks(double lo, double hi) {
  for (const std::vector<double>& mantissas : {std::vector<double>{1}, std::vector<double>{1, 2, 5},
                                               std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    std::vector<double> t;
    for (double k = std::floor(lo); k <= std::ceil(hi); ++k)
      for (double m : mantissas) {
        const double v = k + std::log10(m);
        if (v >= lo && v <= hi) t.push_back(v);
      }
    if (t.size() >= 3 || mantissas.size() == 9) return t;
  }
  return {};
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void pad() {
    if (!(lo <= hi)) lo = 0.0, hi = 1.0;
    if (hi == lo) lo -= 0.5, hi += 0.5;
    const double p = 0.04 * (hi - lo);
    lo -= p;
    hi += p;
  }
};

inline void draw_panel(std::ostringstream& o, const Panel& p, double x0, double y0, double w, double h) {
  const double left = 70, right = 15, top = 28, bottom = 48;
  const double pw = w - left - right, ph = h - top - bottom;
  const auto ty = [&](double v) { return p.log_y ? (v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN()) : v; };
  Range rx, ry;
  for (const auto& s : p.series) {
    for (double v : s.x) rx.add(v);
    for (double v : s.y) ry.add(ty(v));
  }
  if (p.diagonal) {
    rx.add(ry.lo), rx.add(ry.hi), ry.add(rx.lo), ry.add(rx.hi);
  }
  rx.pad();
  ry.pad();
  const auto X = [&](double v) { return x0 + left + (v - rx.lo) / (rx.hi - rx.lo) * pw; };
  const auto Y = [&](double v) { return y0 + top + ph - (v - ry.lo) / (ry.hi - ry.lo) * ph; };
  o << "<rect x='" << x0 + left << "' y='" << y0 + top << "' width='" << pw << "' height='" << ph
    << "' fill='white' stroke='black'/>\n";
  o << "<text x='" << x0 + left + pw / 2 << "' y='" << y0 + 18 << "' text-anchor='middle' font-size='14'>" << escape(p.title)
    << "</text>\n";
  o << "<text x='" << x0 + left + pw / 2 << "' y='" << y0 + h - 8 << "' text-anchor='middle' font-size='12'>"
    << escape(p.xlabel) << "</text>\n";
  o << "<text transform='translate(" << x0 + 14 << "," << y0 + top + ph / 2 << ") rotate(-90)' text-anchor='middle' font-size='12'>"
    << escape(p.ylabel) << "</text>\n";
  for (double t : nice_ticks(rx.lo, rx.hi))
    o << "<line x1='" << X(t) << "' y1='" << y0 + top + ph << "' x2='" << X(t) << "' y2='" << y0 + top + ph + 5
      << "' stroke='black'/><text x='" << X(t) << "' y='" << y0 + top + ph + 18 << "' text-anchor='middle' font-size='10'>"
      << num(t) << "</text>\n";
  for (double t : p.log_y ? log_ticks(ry.lo, ry.hi) : nice_ticks(ry.lo, ry.hi))
    o << "<line x1='" << x0 + left - 5 << "' y1='" << Y(t) << "' x2='" << x0 + left << "' y2='" << Y(t)
      << "' stroke='black'/><line x1='" << x0 + left << "' y1='" << Y(t) << "' x2='" << x0 + left + pw << "' y2='" << Y(t)
      << "' stroke='#dddddd'/><text x='" << x0 + left - 8 << "' y='" << Y(t) + 3 << "' text-anchor='end' font-size='10'>"
      << num(p.log_y ? std::pow(10.0, t) : t) << "</text>\n";
  if (p.diagonal)
    o << "<line x1='" << X(std::max(rx.lo, ry.lo)) << "' y1='" << Y(std::max(rx.lo, ry.lo)) << "' x2='"
      << X(std::min(rx.hi, ry.hi)) << "' y2='" << Y(std::min(rx.hi, ry.hi)) << "' stroke='gray' stroke-dasharray='4,3'/>\n";
  double legend_y = y0 + top + 14;
  for (const auto& s : p.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    if (s.style == Style::points) {
      for (std::size_t i = 0; i < n; ++i) {
        const double yv = ty(s.y[i]);
        if (std::isfinite(s.x[i]) && std::isfinite(yv))
          o << "<circle cx='" << X(s.x[i]) << "' cy='" << Y(yv) << "' r='2.5' fill='" << s.colour << "' fill-opacity='0.6'/>\n";
      }
    } else {
      o << "<polyline fill='none' stroke='" << s.colour << "' stroke-width='1.8' points='";
      bool have = false;
      double last_y = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double yv = ty(s.y[i]);
        if (!std::isfinite(s.x[i]) || !std::isfinite(yv)) continue;
        if (s.style == Style::step && have) o << X(s.x[i]) << ',' << Y(last_y) << ' ';
        o << X(s.x[i]) << ',' << Y(yv) << ' ';
        have = true;
        last_y = yv;
      }
      o << "'/>\n";
    }
    if (!s.label.empty()) {
      o << "<rect x='" << x0 + left + 8 << "' y='" << legend_y - 8 << "' width='10' height='10' fill='" << s.colour
        << "'/><text x='" << x0 + left + 22 << "' y='" << legend_y + 1 << "' font-size='11'>" << escape(s.label) << "</text>\n";
      legend_y += 15;
    }
  }
}

}  // namespace detail

/// An SVG document with the panels on a grid of `columns` columns.
inline std::string figure(const std::vector<Panel>& panels, int columns = 1, double width = 460, double height = 320) {
  columns = std::max(1, columns);
  const int rows = static_cast<int>((panels.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));
  std::ostringstream o;
  o << "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" << width * columns
    << "' height='" << height * rows << "' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (std::size_t k = 0; k < panels.size(); ++k)
    detail::draw_panel(o, panels[k], width * static_cast<double>(k % static_cast<std::size_t>(columns)),
                       height * static_cast<double>(k / static_cast<std::size_t>(columns)), width, height);
  o << "</svg>\n";
  return o.str();
}

inline void write(const std::string& path, const std::vector<Panel>& panels, int columns = 1) {
  std::ofstream out(path);
  if (!(out << figure(panels, columns))) throw InputError("cannot write plot '" + path + "'");
}

}  // namespace pestle::optimise::svg
