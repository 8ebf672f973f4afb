// What the CLI records about a picture it writes (palette/infotext.h, palette/document_file.h): the
// LoRAs as names, and the export options of a layout render from the model choice.
#pragma once

#include <cstdint>
#include <string>

#include "cli/model_choice.h"
#include "cli/model_options.h"
#include "palette/document_file.h"

namespace palette::cli {

// "a.safetensors:0.8, b.safetensors" from --lora FILE[:SCALE] (folders left out: they are this
// machine's, not the picture's); "" when none.
std::string lora_names(const ModelArgs& args);

// The options for export_png of a picture rendered with `model` and `seed`.
PngExportOptions export_options(const ModelChoice& model, uint64_t seed, const ModelArgs& args);

}  // namespace palette::cli
