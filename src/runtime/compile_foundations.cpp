// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of the entry
// points of the lower layers that nearly every unit calls (docs/architecture.md, "Compiled once"):
// neighbour lists, the extended-XYZ reader and writer, structure and JSON checks, the radial and
// angular functions of SOAP, the ACE basis and radial tables, distance_Nb clusters, L-BFGS-B.
#include "pestle/core/impl/error.hpp"
#include "pestle/core/impl/json.hpp"
#include "pestle/core/impl/structure.hpp"
#include "pestle/data/impl/extxyz.hpp"
#include "pestle/descriptors/impl/ace_basis_json.hpp"
#include "pestle/descriptors/impl/ace_coupling.hpp"
#include "pestle/descriptors/impl/ace_radial.hpp"
#include "pestle/descriptors/impl/distance_nb.hpp"
#include "pestle/descriptors/impl/soap.hpp"
#include "pestle/math/impl/lbfgsb.hpp"
#include "pestle/math/impl/spherical_bessel.hpp"
#include "pestle/math/impl/spherical_harmonics.hpp"
#include "pestle/neighbours/impl/neighbour_list.hpp"
