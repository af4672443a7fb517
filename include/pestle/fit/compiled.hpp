#pragma once
// Header-only or compiled fitters, as runtime/api.hpp does it for the readers (docs/architecture.md).
// The entry points of the fitters (fit_from_config, fit_ace_linear, fit_ace_nonlinear_config,
// fit_gap) are the costliest code of pestle to compile, and tests, tools and the RSS loop call them:
//   default              their definitions are inline, in fit/impl/<name>.hpp, which the fit headers include;
//   PESTLE_COMPILED_FIT  they are compiled once into pestle::runtime_fit (src/runtime_fit/), which defines
//                        this macro for everything that links it, and the fit headers only declare them.
#if defined(PESTLE_COMPILED_FIT)
#define PESTLE_FIT_INLINE
#else
#define PESTLE_FIT_INLINE inline
#endif
