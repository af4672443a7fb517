#pragma once
// Header-only or compiled runtime, as fmt and spdlog offer it (docs/architecture.md).
//   default                      every definition of runtime/ is inline in the headers;
//   PESTLE_COMPILED_RUNTIME      the model families and load_calculator are compiled once, in
//                                src/runtime/compile_<name>.cpp (CMake target pestle::runtime, which
//                                defines this macro for everything that links it), and the
//                                headers only declare them.
#if defined(PESTLE_COMPILED_RUNTIME)
#define PESTLE_RUNTIME_INLINE
#else
#define PESTLE_RUNTIME_INLINE inline
#endif
