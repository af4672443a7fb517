// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of the model
// readers and writers and of the model constructors that parse them (docs/architecture.md,
// "Compiled once"): GAP XML and QUIP strings, ACE and EDDP JSON, .ace files, SNAP coefficients.
#include "pestle/formats/impl/ace_file.hpp"
#include "pestle/formats/impl/ace_model_json.hpp"
#include "pestle/formats/impl/eddp_json.hpp"
#include "pestle/formats/impl/gap_xml.hpp"
#include "pestle/formats/impl/model_json.hpp"
#include "pestle/formats/impl/quip_descriptor_string.hpp"
#include "pestle/formats/impl/snap_files.hpp"
#include "pestle/models/impl/gap.hpp"
#include "pestle/models/impl/kernels.hpp"
