#pragma once
// Text helpers shared by pestle's file readers and writers: a line reader that counts
// 1-based line numbers, whitespace splitting, exact number parsing with std::from_chars
// (locale-independent, no allocation) and shortest round-trip formatting with std::to_chars.
#include <array>
#include <charconv>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle::io {

/// Reads an istream line by line and counts lines. A trailing '\r' is dropped so CRLF
/// files read like LF files.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(&in) {}

  /// The next line without its terminator, or nullopt at the end of the input. The view
  /// stays valid until the next call.
  std::optional<std::string_view> next() {
    if (!std::getline(*in_, buffer_)) {
      if (in_->bad()) throw Error("read error after line " + std::to_string(line_));
      return std::nullopt;
    }
    ++line_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    return std::string_view(buffer_);
  }

  /// 1-based number of the line last returned (0 before the first).
  std::size_t line() const noexcept { return line_; }

 private:
  std::istream* in_;
  std::string buffer_;
  std::size_t line_ = 0;
};

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

constexpr bool is_blank(std::string_view s) noexcept {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

/// Splits on runs of whitespace into `out` (cleared first; views into `s`).
inline void split_whitespace(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    while (i < n && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < n && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
}

namespace detail {
// std::from_chars rejects a leading '+'; the text formats we read allow one.
constexpr std::string_view strip_plus(std::string_view s) noexcept {
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}
}  // namespace detail

/// The whole of `s` as a decimal integer, or nullopt (also on overflow).
inline std::optional<std::int64_t> parse_int(std::string_view s) noexcept {
  s = detail::strip_plus(s);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

/// The whole of `s` as a real number (decimal or exponent form, also "nan"/"inf"), or
/// nullopt. Out-of-range values (1e999) are rejected rather than turned into infinity.
inline std::optional<double> parse_real(std::string_view s) noexcept {
  s = detail::strip_plus(s);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

/// T/F/True/False (and true/false) as a boolean, or nullopt.
inline std::optional<bool> parse_bool(std::string_view s) noexcept {
  if (s == "T" || s == "True" || s == "true") return true;
  if (s == "F" || s == "False" || s == "false") return false;
  return std::nullopt;
}

/// Appends the shortest text that reads back to exactly `x` (std::to_chars), always with
/// a decimal point or exponent so a reader that guesses types sees a real, not an integer.
/// NaN is written as "nan" and infinities as "inf"/"-inf".
inline void append_real(std::string& out, double x) {
  if (x != x) {
    out += "nan";
    return;
  }
  std::array<char, 32> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  (void)ec;  // 32 characters always suffice for a double
  const std::string_view digits(buf.data(), static_cast<std::size_t>(ptr - buf.data()));
  out += digits;
  if (digits.find_first_of(".en") == std::string_view::npos) out += ".0";
}

inline void append_int(std::string& out, std::int64_t x) {
  std::array<char, 24> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  (void)ec;  // 24 characters always suffice for a 64-bit integer
  // through a string_view of known length: GCC 12 warns (-Wrestrict, a false positive) on append(first, last)
  out += std::string_view(buf.data(), static_cast<std::size_t>(ptr - buf.data()));
}

/// `s` quoted for an error message, cut to a readable length.
inline std::string quote_for_message(std::string_view s, std::size_t max_length = 40) {
  std::string out = "'";
  if (s.size() > max_length) {
    out.append(s.substr(0, max_length));
    out += "...";
  } else {
    out.append(s);
  }
  out += "'";
  return out;
}

}  // namespace pestle::io
