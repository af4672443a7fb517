#pragma once
// Module header: data formats (extended XYZ, LAMMPS data files).
#include "pestle/data/extxyz.hpp"
#include "pestle/data/lammps_data.hpp"
