#pragma once
// Definitions of pestle/models/gap.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/models/gap.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE GapPotential::GapPotential(GapModel model, GapOptions options)
    : model_(std::move(model)), options_(options) {
  if (model_.terms.empty()) throw InputError("GAP model has no terms");
  for (const GapTerm& t : model_.terms) terms_.push_back(make_term(t));
  for (Term& t : terms_)
    if (auto* soap = std::get_if<gap_detail::SoapTerm>(&t)) soap->block_size = std::max<std::size_t>(1, options_.soap_block);
  for (const Term& t : terms_) cutoff_ = std::max(cutoff_, std::visit([](const auto& x) { return x.cutoff(); }, t));
}

}  // namespace pestle
