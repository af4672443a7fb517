#pragma once
// Module header: per-atom descriptors and the Descriptor concept.
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/descriptors/radial2b.hpp"
