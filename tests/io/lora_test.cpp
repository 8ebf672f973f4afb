// LoRA merging: each naming style lands on the right weight with W + scale·alpha/rank·up@down.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/lora.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/error_of.h"
#include "support/fixtures.h"

namespace palette {
namespace {

struct Models {
  TensorMap unet, text;
};

Models tiny_sd15() {
  const auto dir = test::fixtures_dir() / "tiny-sd15";
  Models m;
  m.unet = SafetensorsFile::open(dir / "unet" / "diffusion_pytorch_model.safetensors").load_all();
  for (const auto& [n, t] : SafetensorsFile::open(dir / "text_encoder" / "model.safetensors").load_all())
    m.text["text_model." + n] = t;
  return m;
}

// Expected merge, written out from the definition for a (out, in[, k, k]) weight.
torch::Tensor merged(const torch::Tensor& w, const torch::Tensor& up, const torch::Tensor& down, double scale, double alpha) {
  const double rank = double(down.size(0));
  return w.to(torch::kFloat) + (scale * alpha / rank) * torch::mm(up.flatten(1), down.flatten(1)).view(w.sizes());
}

TEST(Lora, EveryNamingStyleMergesIntoItsWeight) {
  torch::manual_seed(3);
  Models m = tiny_sd15();
  const Models before = m;
  const int64_t r = 2;
  // kohya, diffusers module names; linear layer.
  const std::string q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight";
  const auto q_w = m.unet.at(q);
  const auto q_up = torch::randn({q_w.size(0), r}), q_down = torch::randn({r, q_w.size(1)});
  // kohya, original (input_blocks) names; SD1's proj_in is a 1×1 convolution.
  const std::string p = "down_blocks.0.attentions.0.proj_in.weight";
  const auto p_w = m.unet.at(p);
  const auto p_up = torch::randn({p_w.size(0), r, 1, 1}), p_down = torch::randn({r, p_w.size(1), 1, 1});
  // PEFT names without alpha (alpha = rank).
  const std::string f = "mid_block.attentions.0.transformer_blocks.0.ff.net.2.weight";
  const auto f_w = m.unet.at(f);
  const auto f_up = torch::randn({f_w.size(0), r}), f_down = torch::randn({r, f_w.size(1)});
  // kohya text encoder.
  const std::string t = "text_model.encoder.layers.0.mlp.fc1.weight";
  const auto t_w = m.text.at(t);
  const auto t_up = torch::randn({t_w.size(0), r}), t_down = torch::randn({r, t_w.size(1)});

  const TensorMap lora = {
      {"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight", q_up},
      {"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight", q_down},
      {"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.alpha", torch::tensor(1.0)},
      {"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", p_up},
      {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", p_down},
      {"lora_unet_input_blocks_1_1_proj_in.alpha", torch::tensor(4.0)},
      {"unet.mid_block.attentions.0.transformer_blocks.0.ff.net.2.lora_B.weight", f_up},
      {"unet.mid_block.attentions.0.transformer_blocks.0.ff.net.2.lora_A.weight", f_down},
      {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", t_up},
      {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", t_down},
  };
  const double scale = 0.5;
  const auto report = merge_lora(lora, "style.safetensors", scale, {m.unet, m.text});
  EXPECT_EQ(report.unet_layers, 3);
  EXPECT_EQ(report.text_encoder_layers, 1);
  EXPECT_TRUE(torch::allclose(m.unet.at(q), merged(q_w, q_up, q_down, scale, 1.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(p), merged(p_w, p_up, p_down, scale, 4.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(f), merged(f_w, f_up, f_down, scale, double(r))));
  EXPECT_TRUE(torch::allclose(m.text.at(t), merged(t_w, t_up, t_down, scale, double(r))));
  // Everything else untouched, and the originals' storage never written.
  size_t changed = 0;
  for (const auto& [name, w] : before.unet) changed += !torch::equal(w.to(torch::kFloat), m.unet.at(name).to(torch::kFloat));
  EXPECT_EQ(changed, 3u);
  EXPECT_TRUE(torch::equal(before.unet.at(q), q_w));
}

TEST(Lora, UnknownTargetIsNamedAndNothingChanges) {
  Models m = tiny_sd15();
  const auto w = m.unet.at("conv_in.weight");
  const TensorMap lora = {
      {"lora_unet_conv_in.lora_up.weight", torch::zeros({w.size(0), 1, 1, 1})},
      {"lora_unet_conv_in.lora_down.weight", torch::zeros({1, w.size(1), 3, 3})},
      {"lora_unet_no_such_block.lora_up.weight", torch::zeros({4, 1})},
      {"lora_unet_no_such_block.lora_down.weight", torch::zeros({1, 4})},
  };
  try {
    merge_lora(lora, "bad.safetensors", 1.0, {m.unet, m.text});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lora_unet_no_such_block"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(m.unet.at("conv_in.weight").is_same(w));
}

TEST(Lora, HalfPairAndBadShapeAreErrors) {
  Models m = tiny_sd15();
  EXPECT_THROW(merge_lora({{"lora_unet_conv_in.lora_up.weight", torch::zeros({4, 1})}}, "x", 1.0, {m.unet, m.text}), Error);
  EXPECT_THROW(merge_lora({{"lora_unet_conv_in.lora_up.weight", torch::zeros({4, 1})},
                           {"lora_unet_conv_in.lora_down.weight", torch::zeros({1, 5})}},
                          "x", 1.0, {m.unet, m.text}),
               Error);
  EXPECT_THROW(merge_lora({{"conv_in.weight", torch::zeros({4, 1})}}, "x", 1.0, {m.unet, m.text}), Error);
}

// What merge_lora says for a LoRA that would turn the weights into NaN, infinities or a crash.
std::string merge_error(const TensorMap& lora, double scale = 1.0) {
  Models m = tiny_sd15();
  const torch::Tensor before = m.unet.at("conv_in.weight");
  try {
    merge_lora(lora, "bad.safetensors", scale, {m.unet, m.text});
  } catch (const Error& e) {
    EXPECT_TRUE(m.unet.at("conv_in.weight").is_same(before)) << "changed a weight before failing";
    return e.what();
  }
  return "merged without an error";
}

TEST(Lora, NumbersThatWouldSpoilThePictureAreRefused) {
  const auto conv_in = [](torch::Tensor up, torch::Tensor down, torch::Tensor alpha = {}) {
    TensorMap lora{{"lora_unet_conv_in.lora_up.weight", up}, {"lora_unet_conv_in.lora_down.weight", down}};
    if (alpha.defined()) lora["lora_unet_conv_in.alpha"] = alpha;
    return lora;
  };
  const torch::Tensor up = torch::full({32, 2}, 0.01), down = torch::full({2, 4, 3, 3}, 0.01);
  const std::string where = "'bad.safetensors': LoRA 'lora_unet_conv_in': ";
  EXPECT_EQ(merge_error(conv_in(up, down, torch::tensor({4.0f, 2.0f}))),
            where + "alpha must be one number, not a tensor of shape [2]");
  EXPECT_EQ(merge_error(conv_in(up, down, torch::tensor(NAN))), where + "alpha is nan, not a finite number");
  EXPECT_EQ(merge_error(conv_in(torch::zeros({32, 0}), torch::zeros({0, 4, 3, 3}))),
            where + "has rank 0 (down has no rows)");
  torch::Tensor spoiled = up.clone();
  spoiled[3][1] = INFINITY;
  EXPECT_EQ(merge_error(conv_in(spoiled, down)), where + "up holds NaN or infinite values");
  EXPECT_EQ(merge_error(conv_in(torch::zeros({32}), down)), where + "up must be a matrix, not of shape [32]");
  EXPECT_NE(merge_error(conv_in(up, down), NAN).find("LoRA scale nan is not a finite number"), std::string::npos);
  EXPECT_NE(merge_error(conv_in(torch::full({32, 2}, 1e30), torch::full({2, 4, 3, 3}, 1e30))).find("overflows"),
            std::string::npos);
}

struct SdxlModels {
  TensorMap unet, text, text_2;
};

SdxlModels tiny_sdxl() {
  const auto dir = test::fixtures_dir() / "tiny-sdxl";
  SdxlModels m;
  m.unet = SafetensorsFile::open(dir / "unet" / "diffusion_pytorch_model.safetensors").load_all();
  m.text = SafetensorsFile::open(dir / "text_encoder" / "model.safetensors").load_all();      // no text_model. prefix
  m.text_2 = SafetensorsFile::open(dir / "text_encoder_2" / "model.safetensors").load_all();  // with it
  return m;
}

std::pair<torch::Tensor, torch::Tensor> up_down(const torch::Tensor& w, int64_t r) {
  return {torch::randn({w.size(0), r}), torch::randn({r, w.size(1)})};
}

// SDXL LoRAs as kohya's sd-scripts write them: the UNet in the original (input_blocks / output_blocks)
// naming of SDXL's three levels, the two text encoders as lora_te1_ / lora_te2_; and as diffusers/PEFT
// write them (unet., text_encoder_2.). The expected targets are SDXL's known correspondences: input block 4
// is level 1's first attention layer, output block 0 level 0's first, label_emb the text_time embedding.
TEST(Lora, SdxlNamingStylesMergeIntoTheirWeights) {
  torch::manual_seed(4);
  SdxlModels m = tiny_sdxl();
  const SdxlModels before = m;
  const std::string q = "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight";
  const std::string k = "up_blocks.0.attentions.0.transformer_blocks.2.attn2.to_k.weight";
  const std::string e = "add_embedding.linear_1.weight";
  const std::string f = "mid_block.attentions.0.transformer_blocks.0.ff.net.2.weight";
  const std::string t1 = "encoder.layers.1.self_attn.q_proj.weight";
  const std::string t2 = "text_model.encoder.layers.0.mlp.fc2.weight";
  const std::string t2p = "text_model.encoder.layers.1.self_attn.out_proj.weight";
  const auto [q_up, q_down] = up_down(m.unet.at(q), 2);
  const auto [k_up, k_down] = up_down(m.unet.at(k), 2);
  const auto [e_up, e_down] = up_down(m.unet.at(e), 2);
  const auto [f_up, f_down] = up_down(m.unet.at(f), 2);
  const auto [t1_up, t1_down] = up_down(m.text.at(t1), 2);
  const auto [t2_up, t2_down] = up_down(m.text_2.at(t2), 2);
  const auto [p_up, p_down] = up_down(m.text_2.at(t2p), 2);
  const std::string t1c = "encoder.layers.0.mlp.fc2.weight";
  const auto [c_up, c_down] = up_down(m.text.at(t1c), 2);
  const TensorMap lora = {
      {"lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_up.weight", q_up},
      {"lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight", q_down},
      {"lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.alpha", torch::tensor(1.0)},
      {"lora_unet_output_blocks_0_1_transformer_blocks_2_attn2_to_k.lora_up.weight", k_up},
      {"lora_unet_output_blocks_0_1_transformer_blocks_2_attn2_to_k.lora_down.weight", k_down},
      {"lora_unet_label_emb_0_0.lora_up.weight", e_up},
      {"lora_unet_label_emb_0_0.lora_down.weight", e_down},
      {"unet.mid_block.attentions.0.transformer_blocks.0.ff.net.2.lora_B.weight", f_up},
      {"unet.mid_block.attentions.0.transformer_blocks.0.ff.net.2.lora_A.weight", f_down},
      {"lora_te1_text_model_encoder_layers_1_self_attn_q_proj.lora_up.weight", t1_up},
      {"lora_te1_text_model_encoder_layers_1_self_attn_q_proj.lora_down.weight", t1_down},
      {"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_up.weight", t2_up},
      {"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_down.weight", t2_down},
      {"lora_te2_text_model_encoder_layers_0_mlp_fc2.alpha", torch::tensor(8.0)},
      {"text_encoder_2.text_model.encoder.layers.1.self_attn.out_proj.lora_B.weight", p_up},
      {"text_encoder_2.text_model.encoder.layers.1.self_attn.out_proj.lora_A.weight", p_down},
      // PEFT without transformers' "text_model." (as some trainers write it)
      {"text_encoder.encoder.layers.0.mlp.fc2.lora_B.weight", c_up},
      {"text_encoder.encoder.layers.0.mlp.fc2.lora_A.weight", c_down},
  };
  const auto report = merge_lora(lora, "sdxl-style.safetensors", 0.75, {m.unet, m.text, &m.text_2});
  EXPECT_EQ(report.unet_layers, 4);
  EXPECT_EQ(report.text_encoder_layers, 2);
  EXPECT_EQ(report.text_encoder_2_layers, 2);
  EXPECT_TRUE(torch::allclose(m.text.at(t1c), merged(before.text.at(t1c), c_up, c_down, 0.75, 2.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(q), merged(before.unet.at(q), q_up, q_down, 0.75, 1.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(k), merged(before.unet.at(k), k_up, k_down, 0.75, 2.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(e), merged(before.unet.at(e), e_up, e_down, 0.75, 2.0)));
  EXPECT_TRUE(torch::allclose(m.unet.at(f), merged(before.unet.at(f), f_up, f_down, 0.75, 2.0)));
  EXPECT_TRUE(torch::allclose(m.text.at(t1), merged(before.text.at(t1), t1_up, t1_down, 0.75, 2.0)));
  EXPECT_TRUE(torch::allclose(m.text_2.at(t2), merged(before.text_2.at(t2), t2_up, t2_down, 0.75, 8.0)));
  EXPECT_TRUE(torch::allclose(m.text_2.at(t2p), merged(before.text_2.at(t2p), p_up, p_down, 0.75, 2.0)));
  size_t changed = 0;
  for (const auto& [name, w] : before.unet) changed += !torch::equal(w.to(torch::kFloat), m.unet.at(name).to(torch::kFloat));
  EXPECT_EQ(changed, 4u);
}

// A LoRA of another family is named as such, whichever way round, and nothing changes.
TEST(Lora, AnotherFamilysLoraIsRefusedByName) {
  SdxlModels xl = tiny_sdxl();
  Models sd = tiny_sd15();
  const SdxlModels xl_before = xl;
  const TensorMap sd15_text = {{"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", torch::zeros({37, 2})},
                               {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", torch::zeros({2, 32})}};
  const std::string on_xl = test::error_of([&] { merge_lora(sd15_text, "other.safetensors", 1.0, {xl.unet, xl.text, &xl.text_2}); });
  EXPECT_NE(on_xl.find("a LoRA for SD 1.x/2.x models"), std::string::npos) << on_xl;
  EXPECT_NE(on_xl.find("this is an SDXL model"), std::string::npos) << on_xl;
  for (const auto& [name, w] : xl_before.text) EXPECT_TRUE(torch::equal(w, xl.text.at(name))) << name;

  const TensorMap xl_text = {{"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_up.weight", torch::zeros({32, 2})},
                             {"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_down.weight", torch::zeros({2, 37})}};
  const std::string on_sd = test::error_of([&] { merge_lora(xl_text, "other.safetensors", 1.0, {sd.unet, sd.text}); });
  EXPECT_NE(on_sd.find("a LoRA for SDXL models"), std::string::npos) << on_sd;
  EXPECT_NE(on_sd.find("SD 1.x/2.x model"), std::string::npos) << on_sd;

  // UNet only, told apart by the width its cross-attention reads: 768 (SD 1.x) against this SDXL's 64.
  const TensorMap sd15_unet = {
      {"lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", torch::zeros({64, 4})},
      {"lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", torch::zeros({4, 768})}};
  const std::string width =
      test::error_of([&] { merge_lora(sd15_unet, "other.safetensors", 1.0, {xl.unet, xl.text, &xl.text_2}); });
  EXPECT_NE(width.find("reads 768-wide text embeddings (SD 1.x)"), std::string::npos) << width;
  EXPECT_NE(width.find("this model's reads 64"), std::string::npos) << width;
  EXPECT_NE(width.find("made for another model family"), std::string::npos) << width;
}

}  // namespace
}  // namespace palette
