#pragma once
// Module header: file formats (extended XYZ; small text helpers).
// Other formats (io/lammps_data.hpp, io/model_json.hpp) are added here by their owners.
#include "pestle/io/extxyz.hpp"
#include "pestle/io/lammps_data.hpp"
#include "pestle/io/model_json.hpp"
#include "pestle/io/snap_files.hpp"
#include "pestle/io/text.hpp"
