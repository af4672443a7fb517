#pragma once
// Module header: neighbour lists (cell-list search, brute-force reference, search geometry).
#include "pestle/neighbours/cell_list.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
