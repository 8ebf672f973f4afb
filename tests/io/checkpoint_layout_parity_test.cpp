// to_original against diffusers' own conversion scripts (convert_diffusers_to_original_sdxl.py and
// convert_diffusers_to_original_stable_diffusion.py), as recorded on the fixture folders in
// tests/data/*_single_file_layout.json: the same names, shapes and values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <string>
#include <vector>

#include "io/checkpoint_layout.h"
#include "models/single_file_fixture.h"
#include "support/fixtures.h"

namespace palette {
namespace {

using checkpoint::TextEncoderLayout;

// The names in `a` that are not in `b`, at most `limit` of them, then how many more.
std::string names_only_in(const TensorMap& a, const TensorMap& b, size_t limit = 10) {
  std::vector<std::string> names;
  for (const auto& [n, t] : a)
    if (!b.count(n)) names.push_back(n);
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += "\n    " + names[i];
  if (names.size() > limit) out += "\n    … and " + std::to_string(names.size() - limit) + " more";
  return names.empty() ? std::string() : std::to_string(names.size()) + ":" + out;
}

// diffusers' script prefixes the CLIP text encoder file's own names. The fixtures' text encoders were saved by
// transformers 5, which drops CLIPTextModel's `text_model.` segment; a transformers 4 folder, from which the
// released checkpoints were made, keeps it, and so does to_original. The loader reads both spellings (the
// single-file parity tests load the script's spelling), so here the segment is put back before comparing.
TensorMap with_text_model_segment(const TensorMap& tensors, const std::string& clip_prefix, int& renamed) {
  TensorMap out;
  for (const auto& [key, t] : tensors) {
    const bool bare = key.rfind(clip_prefix, 0) == 0 && key.compare(clip_prefix.size(), 11, "text_model.") != 0;
    renamed += bare ? 1 : 0;
    out[bare ? clip_prefix + "text_model." + key.substr(clip_prefix.size()) : key] = t;
  }
  return out;
}

void expect_diffusers_layout(const std::string& name, TextEncoderLayout layout, const std::string& clip_prefix) {
  const auto ours = checkpoint::to_original(test::components_of(test::fixtures_dir() / name), layout);
  int renamed = 0;
  const auto theirs = with_text_model_segment(test::diffusers_single_file(name), clip_prefix, renamed);
  const auto missing = names_only_in(theirs, ours), unexpected = names_only_in(ours, theirs);
  EXPECT_TRUE(missing.empty()) << "tensors diffusers' script writes and to_original does not: " << missing;
  EXPECT_TRUE(unexpected.empty()) << "tensors to_original writes and diffusers' script does not: " << unexpected;
  int compared = 0, differing = 0;
  for (const auto& [key, expected] : theirs) {
    const auto it = ours.find(key);
    if (it == ours.end()) continue;
    ++compared;
    if (it->second.sizes() != expected.sizes()) {
      ++differing;
      ADD_FAILURE() << key << ": shape " << it->second.sizes() << ", diffusers' script writes " << expected.sizes();
    } else if (it->second.scalar_type() != expected.scalar_type() || !torch::equal(it->second, expected)) {
      ++differing;
      ADD_FAILURE() << key << ": values differ from diffusers' script's (" << it->second.scalar_type() << " vs "
                    << expected.scalar_type() << ")";
    }
  }
  std::cout << "  " << name << ": " << compared << " tensors compared bitwise (" << differing << " differ), "
            << theirs.size() << " in diffusers' layout (" << renamed << " CLIP names given `text_model.`), " << ours.size()
            << " from to_original\n";
}

TEST(Parity, sdxl_original_layout_matches_diffusers_conversion_script) {
  expect_diffusers_layout("tiny-sdxl", TextEncoderLayout::SdxlPair, "conditioner.embedders.0.transformer.");
}

TEST(Parity, sd15_original_layout_matches_diffusers_conversion_script) {
  expect_diffusers_layout("tiny-sd15", TextEncoderLayout::ClipSd1, "cond_stage_model.transformer.");
}

}  // namespace
}  // namespace palette
