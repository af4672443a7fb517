#pragma once
// Module header: the data model (structures, labels, data sets, elements, errors).
#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/info.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/core/labels.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
