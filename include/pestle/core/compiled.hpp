#pragma once
// Header-only or compiled, as fmt and spdlog offer it (docs/architecture.md).
//   default                   every definition is inline in the headers;
//   PESTLE_COMPILED_RUNTIME   the definitions marked PESTLE_RUNTIME_INLINE (the model families,
//                             load_calculator, the dense decompositions of math/dense_solvers.hpp)
//                             are compiled once, in src/runtime/compile_<name>.cpp (CMake target
//                             pestle::runtime, which defines this macro for everything that links
//                             it), and the headers only declare them.
// It lives in core/ so that every layer, math/ included, can mark a definition this way.
#if defined(PESTLE_COMPILED_RUNTIME)
#define PESTLE_RUNTIME_INLINE
#else
#define PESTLE_RUNTIME_INLINE inline
#endif
