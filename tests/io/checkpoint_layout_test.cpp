// Single-file (original CompVis/Stability) names ↔ diffusers names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/checkpoint_layout.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/fixtures.h"

namespace palette {
namespace {

using checkpoint::Components;
using checkpoint::TextEncoderLayout;

TensorMap with_prefix(const TensorMap& in, const std::string& prefix) {
  TensorMap out;
  for (const auto& [n, t] : in) out[n.rfind(prefix, 0) == 0 ? n : prefix + n] = t;
  return out;
}

Components fixture_components(const std::string& model) {
  const auto dir = test::fixtures_dir() / model;
  Components c;
  c.unet = SafetensorsFile::open(dir / "unet" / "diffusion_pytorch_model.safetensors").load_all();
  c.vae = SafetensorsFile::open(dir / "vae" / "diffusion_pytorch_model.safetensors").load_all();
  c.text_encoder = with_prefix(SafetensorsFile::open(dir / "text_encoder" / "model.safetensors").load_all(), "text_model.");
  return c;
}

void expect_same(const TensorMap& a, const TensorMap& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << what << ": lost '" << name << "'";
    EXPECT_TRUE(torch::equal(t, b.at(name))) << what << ": '" << name << "' changed";
  }
}

// Names of the real SD 1.5 single-file checkpoint (same block structure as tiny-sd15: 4 levels,
// 2 layers per block, attention in the first three), as diffusers' converter maps them.
TEST(CheckpointLayout, KnownOriginalNamesOfSd15) {
  const auto original = checkpoint::to_original(fixture_components("tiny-sd15"), TextEncoderLayout::ClipSd1);
  const std::vector<std::pair<std::string, std::string>> known = {
      {"model.diffusion_model.time_embed.0.weight", "time_embedding.linear_1.weight"},
      {"model.diffusion_model.input_blocks.0.0.weight", "conv_in.weight"},
      {"model.diffusion_model.input_blocks.1.0.emb_layers.1.weight", "down_blocks.0.resnets.0.time_emb_proj.weight"},
      {"model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight",
       "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"},
      {"model.diffusion_model.input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight"},
      {"model.diffusion_model.input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight"},
      {"model.diffusion_model.input_blocks.11.0.out_layers.3.weight", "down_blocks.3.resnets.1.conv2.weight"},
      {"model.diffusion_model.middle_block.1.proj_out.weight", "mid_block.attentions.0.proj_out.weight"},
      {"model.diffusion_model.middle_block.2.in_layers.0.weight", "mid_block.resnets.1.norm1.weight"},
      {"model.diffusion_model.output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"},
      {"model.diffusion_model.output_blocks.3.1.proj_in.weight", "up_blocks.1.attentions.0.proj_in.weight"},
      {"model.diffusion_model.output_blocks.5.2.conv.weight", "up_blocks.1.upsamplers.0.conv.weight"},
      {"model.diffusion_model.output_blocks.11.1.norm.weight", "up_blocks.3.attentions.2.norm.weight"},
      {"model.diffusion_model.out.0.weight", "conv_norm_out.weight"},
      {"model.diffusion_model.out.2.bias", "conv_out.bias"},
  };
  const auto unet = fixture_components("tiny-sd15").unet;
  for (const auto& [orig, ours] : known) {
    ASSERT_TRUE(original.count(orig)) << orig;
    EXPECT_TRUE(torch::equal(original.at(orig), unet.at(ours))) << orig << " should be " << ours;
  }
  const auto vae = fixture_components("tiny-sd15").vae;
  const std::vector<std::pair<std::string, std::string>> known_vae = {
      {"first_stage_model.decoder.up.3.block.0.conv1.weight", "decoder.up_blocks.0.resnets.0.conv1.weight"},
      {"first_stage_model.decoder.up.1.upsample.conv.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight"},
      {"first_stage_model.encoder.down.0.downsample.conv.weight", "encoder.down_blocks.0.downsamplers.0.conv.weight"},
      {"first_stage_model.encoder.down.2.block.0.nin_shortcut.weight", "encoder.down_blocks.2.resnets.0.conv_shortcut.weight"},
      {"first_stage_model.decoder.mid.block_2.norm2.bias", "decoder.mid_block.resnets.1.norm2.bias"},
      {"first_stage_model.decoder.norm_out.weight", "decoder.conv_norm_out.weight"},
      {"first_stage_model.post_quant_conv.weight", "post_quant_conv.weight"},
  };
  for (const auto& [orig, ours] : known_vae) {
    ASSERT_TRUE(original.count(orig)) << orig;
    EXPECT_TRUE(torch::equal(original.at(orig), vae.at(ours))) << orig << " should be " << ours;
  }
  // The original VAE attention uses 1×1 convolutions where diffusers uses linear layers.
  const auto& q = original.at("first_stage_model.encoder.mid.attn_1.q.weight");
  EXPECT_EQ(q.dim(), 4);
  EXPECT_TRUE(torch::equal(q.flatten(1), vae.at("encoder.mid_block.attentions.0.to_q.weight")));
  EXPECT_TRUE(original.count("cond_stage_model.transformer.text_model.final_layer_norm.weight"));
}

TEST(CheckpointLayout, Sd15RoundTrip) {
  const auto c = fixture_components("tiny-sd15");
  const auto back = checkpoint::from_original(checkpoint::to_original(c, TextEncoderLayout::ClipSd1), "sd15.safetensors");
  EXPECT_EQ(back.text_layout, TextEncoderLayout::ClipSd1);
  expect_same(c.unet, back.unet, "unet");
  expect_same(c.vae, back.vae, "vae");
  expect_same(c.text_encoder, back.text_encoder, "text encoder");
}

TEST(CheckpointLayout, Sd21OpenClipRoundTrip) {
  const auto c = fixture_components("tiny-sd21");
  const auto original = checkpoint::to_original(c, TextEncoderLayout::OpenClipSd2);
  // OpenCLIP fuses q, k and v into one in_proj, in that order.
  const auto& in_proj = original.at("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight");
  const auto d = c.text_encoder.at("text_model.encoder.layers.0.self_attn.q_proj.weight").size(0);
  EXPECT_TRUE(torch::equal(in_proj.slice(0, d, 2 * d), c.text_encoder.at("text_model.encoder.layers.0.self_attn.k_proj.weight")));
  const auto back = checkpoint::from_original(original, "sd21.safetensors");
  EXPECT_EQ(back.text_layout, TextEncoderLayout::OpenClipSd2);
  expect_same(c.unet, back.unet, "unet");
  expect_same(c.vae, back.vae, "vae");
  expect_same(c.text_encoder, back.text_encoder, "text encoder");
}

// SDXL's UNet in the original layout (the names of sd_xl_base_1.0.safetensors and of kohya's SDXL LoRAs):
// three levels, no attention in the first, the text_time embedding as label_emb. tiny-sdxl has SDXL's block
// structure (2 layers per block, transformer depths 1/2/3).
TEST(CheckpointLayout, KnownOriginalNamesOfSdxlUnet) {
  const auto unet = SafetensorsFile::open(test::fixtures_dir() / "tiny-sdxl" / "unet" / "diffusion_pytorch_model.safetensors")
                        .load_all();
  const auto names = checkpoint::unet_original_names(unet);
  const std::vector<std::pair<std::string, std::string>> known = {
      {"add_embedding.linear_1.weight", "label_emb.0.0.weight"},
      {"add_embedding.linear_2.bias", "label_emb.0.2.bias"},
      {"down_blocks.0.resnets.1.conv2.weight", "input_blocks.2.0.out_layers.3.weight"},
      {"down_blocks.0.downsamplers.0.conv.weight", "input_blocks.3.0.op.weight"},
      {"down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight",
       "input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight"},
      {"down_blocks.2.attentions.1.transformer_blocks.2.attn2.to_k.weight",
       "input_blocks.8.1.transformer_blocks.2.attn2.to_k.weight"},
      {"mid_block.attentions.0.proj_in.weight", "middle_block.1.proj_in.weight"},
      {"up_blocks.0.attentions.2.transformer_blocks.2.ff.net.2.weight", "output_blocks.2.1.transformer_blocks.2.ff.net.2.weight"},
      {"up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.2.conv.weight"},
      {"up_blocks.1.upsamplers.0.conv.weight", "output_blocks.5.2.conv.weight"},
      {"up_blocks.2.resnets.2.conv_shortcut.weight", "output_blocks.8.0.skip_connection.weight"},
  };
  for (const auto& [ours, original] : known) {
    ASSERT_TRUE(names.count(ours)) << ours;
    EXPECT_EQ(names.at(ours), original) << ours;
  }
  // And back: a whole original-layout SDXL UNet splits into the same tensors under diffusers names.
  TensorMap original;
  for (const auto& [ours, name] : names) original["model.diffusion_model." + name] = unet.at(ours);
  expect_same(unet, checkpoint::from_original(original, "sdxl.safetensors").unet, "sdxl unet");
}

// SDXL's two text encoders in sd_xl_base_1.0.safetensors' layout: CLIP ViT-L under transformers' names,
// OpenCLIP bigG with q, k, v fused into in_proj (in that order) and text_projection as OpenCLIP's x @ P
// matrix (the transpose of the linear layer's weight); all its layers kept, unlike SD 2.x.
TEST(CheckpointLayout, SdxlTextEncodersRoundTrip) {
  const auto dir = test::fixtures_dir() / "tiny-sdxl";
  Components c = fixture_components("tiny-sdxl");
  c.text_encoder_2 = SafetensorsFile::open(dir / "text_encoder_2" / "model.safetensors").load_all();
  const auto original = checkpoint::to_original(c, TextEncoderLayout::SdxlPair);
  const auto& t2 = c.text_encoder_2;
  const auto& in_proj = original.at("conditioner.embedders.1.model.transformer.resblocks.2.attn.in_proj_weight");
  const auto d = t2.at("text_model.encoder.layers.2.self_attn.q_proj.weight").size(0);
  EXPECT_TRUE(torch::equal(in_proj.slice(0, 0, d), t2.at("text_model.encoder.layers.2.self_attn.q_proj.weight")));
  EXPECT_TRUE(torch::equal(in_proj.slice(0, 2 * d, 3 * d), t2.at("text_model.encoder.layers.2.self_attn.v_proj.weight")));
  EXPECT_TRUE(torch::equal(original.at("conditioner.embedders.1.model.text_projection"), t2.at("text_projection.weight").t()));
  EXPECT_TRUE(torch::equal(original.at("conditioner.embedders.1.model.ln_final.bias"), t2.at("text_model.final_layer_norm.bias")));
  EXPECT_FALSE(original.count("conditioner.embedders.1.model.transformer.resblocks.3.attn.in_proj_weight"));  // 3 layers
  EXPECT_TRUE(original.count("conditioner.embedders.0.transformer.text_model.encoder.layers.0.mlp.fc1.weight"));
  EXPECT_TRUE(original.count("model.diffusion_model.label_emb.0.0.weight"));
  const auto back = checkpoint::from_original(original, "sdxl.safetensors");
  EXPECT_EQ(back.text_layout, TextEncoderLayout::SdxlPair);
  expect_same(c.unet, back.unet, "unet");
  expect_same(c.vae, back.vae, "vae");
  expect_same(c.text_encoder, back.text_encoder, "text encoder");
  expect_same(c.text_encoder_2, back.text_encoder_2, "text encoder 2");

  // Files written by diffusers' convert_diffusers_to_original_sdxl.py keep the projection as transformers'
  // linear weight, named text_projection.weight, and may carry position-id buffers: read as such.
  TensorMap scripted = original;
  scripted.erase("conditioner.embedders.1.model.text_projection");
  scripted["conditioner.embedders.1.model.text_projection.weight"] = t2.at("text_projection.weight");
  scripted["conditioner.embedders.1.model.text_model.embeddings.position_ids"] = torch::arange(77).unsqueeze(0);
  expect_same(c.text_encoder_2, checkpoint::from_original(scripted, "scripted.safetensors").text_encoder_2,
              "text encoder 2 (diffusers' script)");
}

TEST(CheckpointLayout, UnknownTensorIsNamed) {
  auto original = checkpoint::to_original(fixture_components("tiny-sd15"), TextEncoderLayout::ClipSd1);
  original["model.diffusion_model.frobnicator.weight"] = torch::ones({1});
  try {
    checkpoint::from_original(original, "odd.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.diffusion_model.frobnicator.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("odd.safetensors"), std::string::npos) << e.what();
  }
}

TEST(CheckpointLayout, NoUnetIsAnError) {
  EXPECT_THROW(checkpoint::from_original({{"first_stage_model.quant_conv.weight", torch::ones({1})}}, "vae-only.safetensors"),
               Error);
  EXPECT_FALSE(checkpoint::is_original_layout({{"conv_in.weight", torch::ones({1})}}));
}

}  // namespace
}  // namespace palette
