// Builds a small periodic structure and its neighbour list through the installed headers.
#include <iostream>

#include <pestle/core.hpp>
#include <pestle/neighbours/neighbour_list.hpp>

int main() {
  pestle::Structure s;
  s.cell = pestle::Mat3::Identity() * 2.0;
  s.pbc = {true, true, true};
  s.add_atom(pestle::atomic_number("Cu"), pestle::Vec3::Zero());
  pestle::NeighbourOptions opt;
  opt.cutoff = 2.5;
  const auto nl = pestle::build_neighbour_list(s, opt);
  std::cout << "neighbours of a simple-cubic Cu atom within 2.5 A: " << nl.count(0) << "\n";
  return nl.count(0) == 6 ? 0 : 1;
}
