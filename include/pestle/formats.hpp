#pragma once
// Module header: potential file formats (pestle model JSON, LAMMPS SNAP files, QUIP GAP XML and
// descriptor strings, pacemaker .ace/.yace). Nothing here fits a model: formats/ never includes fit/.
#include "pestle/formats/ace_file.hpp"
#include "pestle/formats/active_set_json.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/formats/yace_file.hpp"
