#pragma once
// Header-only or compiled runtime: PESTLE_RUNTIME_INLINE (core/compiled.hpp says how it works).
#include "pestle/core/compiled.hpp"
