// Stand-in for LAMMPS's bundled {fmt} headers, which Debian's liblammps-dev does not ship
// although pointers.h, utils.h and error.h include "fmt/format.h".
//
// The installed headers only name three {fmt} entities, in declarations and in function
// templates that pair_pestle.cpp and pestle_lmp.cpp never instantiate (they call the
// std::string overloads of Error::all / Error::one only). Declaring the names is therefore
// enough to compile against the installed library; nothing here is defined or called.
// With a LAMMPS source tree available, pass -DLAMMPS_SOURCE_DIR=... and its real fmt is used.
#pragma once

namespace fmt {
inline namespace v7_lmp {
class string_view;
class format_args;
template <typename... Args, typename S>
int make_args_checked(const S &format, const Args &...args);
}  // namespace v7_lmp
}  // namespace fmt
