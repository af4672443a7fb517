#pragma once
// CalculatorOf<P>: any concrete potential P (Potential<D, M>, AnyPotential, AcePotential,
// GapPotential, the reference potentials) behind the runtime::Calculator interface. The virtual
// call happens once per structure; P's kernels stay statically dispatched.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime {

template <class P>
class CalculatorOf final : public Calculator {
  static constexpr bool takes_neighbour_list =
      requires(const P& p, const Structure& s, const NeighbourList& nl, std::size_t n) { p.compute(s, nl, n); };

 public:
  CalculatorOf(P potential, std::string name) : p_(std::move(potential)), name_(std::move(name)) {}

  PotentialResult compute(const Structure& s) const override { return p_.compute(s); }

  PotentialResult compute(const Structure& s, std::size_t n_centres) const override {
    if constexpr (requires { p_.compute(s, n_centres); }) {
      return p_.compute(s, n_centres);
    } else {
      if (n_centres != s.size())
        throw InputError("the " + name_ + " potential cannot evaluate a subset of centres (" + std::to_string(n_centres) +
                         " of " + std::to_string(s.size()) + " atoms)");
      return p_.compute(s);
    }
  }

  PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const override {
    if constexpr (takes_neighbour_list) return p_.compute(s, nl, n_centres);
    else return compute(s, n_centres);
  }

  bool uses_host_neighbours() const override { return takes_neighbour_list; }

  double energy(const Structure& s) const override {
    if constexpr (requires { p_.energy(s); }) return p_.energy(s);
    else return p_.compute(s).energy;
  }

  double cutoff() const override {
    if constexpr (requires { p_.cutoff(); }) return p_.cutoff();
    else return p_.descriptor().neighbour_options().cutoff;
  }

  std::vector<int> species() const override {
    if constexpr (requires { p_.elements(); }) return p_.elements();
    else return {};
  }

  std::string name() const override { return name_; }

  const P& potential() const noexcept { return p_; }

 private:
  P p_;
  std::string name_;
};

template <class P>
const P* Calculator::as() const noexcept {
  const auto* wrapped = dynamic_cast<const CalculatorOf<P>*>(this);
  return wrapped ? &wrapped->potential() : nullptr;
}

/// A shared calculator that owns `potential`; `name` is its model kind (Calculator::name).
template <class P>
CalculatorPtr make_calculator(P potential, std::string name) {
  return std::make_shared<const CalculatorOf<std::remove_cvref_t<P>>>(std::move(potential), std::move(name));
}

}  // namespace pestle::runtime
