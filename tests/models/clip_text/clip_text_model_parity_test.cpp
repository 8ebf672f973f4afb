// The CLIP text encoder against transformers' CLIPTextModel (both hidden states the pipelines use).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/clip_text/clip_text_model.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

void check_case(const std::string& name, const std::string& model_folder) {
  auto model = load_clip_text_model(test::fixtures_dir() / model_folder / "text_encoder");
  const auto file = test::open_case(name);
  const auto ids = file.load("input_ids");
  torch::NoGradGuard no_grad;
  const auto out = model->forward(ids);
  EXPECT_TRUE(test::check_parity(name + " last_hidden_state", out.last_hidden_state,
                                 file.load("last_hidden_state", torch::kFloat), kTolerance));
  const auto penultimate = file.load("penultimate_hidden_state", torch::kFloat);
  EXPECT_TRUE(test::check_parity(name + " penultimate_hidden_state", out.penultimate_hidden_state,
                                 penultimate, kTolerance));
  // encode() is the pipelines' entry: clip skip 1 is the plain output, 2 the normed penultimate layer.
  EXPECT_TRUE(test::check_parity(name + " encode(clip_skip=1)", model->encode(ids, 1),
                                 file.load("last_hidden_state", torch::kFloat), kTolerance));
  EXPECT_TRUE(test::check_parity(name + " encode(clip_skip=2)", model->encode(ids, 2),
                                 model->text_model->final_layer_norm(penultimate), kTolerance));
}

TEST(Parity, sd15_text_encoder) {
  check_case("sd15_text_encoder", "tiny-sd15");
}

TEST(Parity, sd21_text_encoder) {
  check_case("sd21_text_encoder", "tiny-sd21");
}

}  // namespace
}  // namespace palette
