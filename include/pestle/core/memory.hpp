#pragma once
// Memory checks made before a large allocation, so that an oversized request (a basis too large
// for the machine, cross-validation of thousands of columns) ends in a clear InputError that
// names its size instead of the kernel killing the process.
#include <unistd.h>

#include <cmath>
#include <limits>
#include <string>

#include "pestle/core/error.hpp"

namespace pestle {

/// Physical memory of this machine in bytes (+∞ where the system does not say).
inline double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : std::numeric_limits<double>::infinity();
}

/// Bytes of `count` doubles.
constexpr double bytes_of_doubles(double count) { return count * double(sizeof(double)); }

/// InputError "<what> needs about X GB, more than the Y GB allowed (<fraction> of this machine's
/// memory): <remedy>" when bytes exceed fraction × physical memory.
inline void require_memory(double bytes, const std::string& what, const std::string& remedy, double fraction = 0.8) {
  const double allowed = fraction * physical_memory_bytes();
  if (!(bytes > allowed)) return;
  const auto gb = [](double b) { return std::to_string(static_cast<long long>(std::ceil(b / 1e9))); };
  throw InputError(what + " needs about " + gb(bytes) + " GB, more than the " + gb(allowed) + " GB allowed (" +
                   std::to_string(static_cast<int>(std::lround(100 * fraction))) + " % of this machine's memory): " + remedy);
}

}  // namespace pestle
