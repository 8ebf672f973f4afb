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

// Writes the fixture model `name` as one original-layout .safetensors file in `tmp`; `edit` may change
// its tensors first (to make a broken file).
std::filesystem::path write_single_file(const TempDir& tmp, const std::string& name,
                                        checkpoint::TextEncoderLayout layout,
                                        const std::function<void(TensorMap&)>& edit = {});

}  // namespace palette::test
