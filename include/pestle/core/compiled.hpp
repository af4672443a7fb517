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

// PESTLE_EXTERN_KERNELS (set for pestle's own programs that link pestle::runtime, never exported):
// the run-time-sized descriptor classes (Bispectrum<dynamic>, BasicAceDescriptor<AceDynamicShape>,
// Soap<QuipGaussRadial>) are declared `extern template` and instantiated once, in
// src/runtime/compile_kernels.cpp. Not for installed consumers: Bispectrum's SIMD architecture is a
// template argument, and a consumer built with other -march flags names another type.
