#pragma once
// The model families' potentials behind runtime::Calculator. The readers and the fitters both make
// them; in the compiled mode they are made in one unit of pestle::runtime (src/runtime/compile_calculators.cpp),
// so that the evaluation kernels of a family are compiled once, not in every unit that loads or fits it.
#include "pestle/models/ace.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/runtime/api.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime::detail {

/// A SNAP/qSNAP potential, named "snap" or "qsnap".
PESTLE_RUNTIME_INLINE CalculatorPtr snap_calculator(AnyPotential p);
/// An ACE potential (any embedding), named "ace".
PESTLE_RUNTIME_INLINE CalculatorPtr ace_calculator(AcePotential p);
/// A GAP potential, named "gap".
PESTLE_RUNTIME_INLINE CalculatorPtr gap_calculator(GapPotential p);

}  // namespace pestle::runtime::detail

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/calculators.hpp"
#endif
