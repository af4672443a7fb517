#pragma once
// Module header: models (linear SNAP, quadratic qSNAP) and the Potential that composes a
// descriptor with a model.
#include "pestle/models/linear.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/models/snap.hpp"
