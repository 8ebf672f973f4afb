// The fixture models as single-file checkpoints: what the loader's unit and parity tests both read.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "io/checkpoint_layout.h"
#include "palette/safetensors.h"
#include "support/temp_dir.h"

namespace palette::test {

// A diffusers folder's components (three, or four for SDXL), the first text encoder's names prefixed as in an
// original checkpoint.
checkpoint::Components components_of(const std::filesystem::path& dir);

// The fixture model `name` (tiny-sd15 or tiny-sdxl) in the original layout as diffusers' own conversion
// script writes it: tests/data/*_single_file_layout.json (scripts/fixtures/record_single_file_layout.py)
// applied to the folder's current tensors, so the expected layout does not come from our own to_original.
// Throws std::runtime_error for a name without a recorded layout, or a layout entry that cannot be rebuilt
// (naming its key).
TensorMap diffusers_single_file(const std::string& name);

// Writes the fixture model `name` as one original-layout .safetensors file in `tmp`; `edit` may change
// its tensors first (to make a broken file). Where diffusers' script has a recorded layout for `name`, the
// file follows it and `layout` only documents which spelling that is; otherwise (tiny-sd21) to_original
// writes `layout`.
std::filesystem::path write_single_file(const TempDir& tmp, const std::string& name,
                                        checkpoint::TextEncoderLayout layout,
                                        const std::function<void(TensorMap&)>& edit = {});

// The fixture model `name` as to_original writes it: the names of the released checkpoints, whose CLIP text
// encoder keeps transformers 4's `text_model.` segment (diffusers' script on the fixtures, saved by transformers 5,
// drops it).
std::filesystem::path write_released_single_file(const TempDir& tmp, const std::string& name,
                                                 checkpoint::TextEncoderLayout layout);

}  // namespace palette::test
