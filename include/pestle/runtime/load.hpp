#pragma once
// load_calculator(path): any model file pestle reads, as a runtime::Calculator. The file's family
// follows from its name (and, for .json, from its "model" key) through the registry:
//   *.json                   pestle model file: SNAP/qSNAP, linear or nonlinear ACE (docs/model-files.md)
//   *.xml                    QUIP GAP potential (+ its sparseX files beside it)
//   *.snapcoeff              LAMMPS SNAP/qSNAP; the .snapparam with the same stem beside it
//   *.ace, *.yace            pacemaker ACE (ML-PACE's format; its YAML form)
//   *.sw, *.tersoff          LAMMPS Stillinger-Weber / Tersoff parameter files (all their elements)
//   *.eam.alloy, *.eam       LAMMPS setfl / funcfl EAM
// Anything else is refused with a message that lists these. This header includes no kernel: in the
// compiled mode (PESTLE_COMPILED_RUNTIME) a downstream code that loads and evaluates a model
// compiles this header only and links pestle::runtime.
#include <string>

#include "pestle/runtime/api.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime {

/// Reads any potential file pestle understands (see the table above).
PESTLE_RUNTIME_INLINE CalculatorPtr load_calculator(const std::string& path);

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/registry.hpp"
#endif
