// UNet2DConditionModel: the config checks that must fail with a message naming the key, and odd shapes.
// Against diffusers' outputs: unet_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "models/module_weights.h"
#include "models/unet/unet.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/error_of.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

std::filesystem::path unet_dir(const std::string& model) {
  return test::fixtures_dir() / model / "unet";
}

nlohmann::json tiny_config() {
  std::ifstream in(unet_dir("tiny-sd15") / "config.json");
  return nlohmann::json::parse(in);
}

std::string config_error(const nlohmann::json& json) {
  try {
    UNetConfig::from_json(JsonConfig(json, "unet/config.json"));
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "(no error)";
}

TEST(UNetConfig, ReadsLegacyHeadsAndLists) {
  const auto sd15 = UNetConfig::from_json(JsonConfig::load(unet_dir("tiny-sd15") / "config.json"));
  EXPECT_EQ(sd15.attention_heads, (std::vector<int64_t>{8, 8, 8, 8}));
  EXPECT_FALSE(sd15.use_linear_projection);
  const auto sd21 = UNetConfig::from_json(JsonConfig::load(unet_dir("tiny-sd21") / "config.json"));
  EXPECT_EQ(sd21.attention_heads, (std::vector<int64_t>{2, 4, 4, 4}));
  EXPECT_TRUE(sd21.use_linear_projection);
  EXPECT_TRUE(sd21.upcast_attention);
}

TEST(UNetConfig, MissingKeyIsNamed) {
  auto json = tiny_config();
  json.erase("block_out_channels");
  const auto message = config_error(json);
  EXPECT_NE(message.find("unet/config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("\"block_out_channels\" is missing"), std::string::npos) << message;
}

TEST(UNetConfig, UnknownBlockTypeIsNamed) {
  auto json = tiny_config();
  json["down_block_types"][1] = "AttnDownBlock2D";
  const auto message = config_error(json);
  EXPECT_NE(message.find("\"down_block_types\""), std::string::npos) << message;
  EXPECT_NE(message.find("AttnDownBlock2D"), std::string::npos) << message;
  json = tiny_config();
  json["mid_block_type"] = "UNetMidBlock2DSimpleCrossAttn";
  EXPECT_NE(config_error(json).find("\"mid_block_type\""), std::string::npos);
}

TEST(UNetConfig, UnsupportedFeaturesAreNamed) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"addition_embed_type", "text"},
                                                           {"class_embed_type", "timestep"},
                                                           {"dual_cross_attention", true},
                                                           {"time_embedding_type", "fourier"}}) {
    auto json = tiny_config();
    json[key] = value;
    const auto message = config_error(json);
    EXPECT_NE(message.find("\"" + key + "\""), std::string::npos) << key << ": " << message;
  }
}

TEST(UNetConfig, TextTimeEmbeddingNeedsItsSizes) {
  auto json = tiny_config();
  json["addition_embed_type"] = "text_time";
  EXPECT_NE(config_error(json).find("\"addition_time_embed_dim\" is missing"), std::string::npos);
  json["addition_time_embed_dim"] = 8;
  EXPECT_NE(config_error(json).find("\"projection_class_embeddings_input_dim\" is missing"), std::string::npos);
  json["projection_class_embeddings_input_dim"] = 8;  // no room for the pooled text
  EXPECT_NE(config_error(json).find("\"projection_class_embeddings_input_dim\""), std::string::npos);
  json["projection_class_embeddings_input_dim"] = 80;
  EXPECT_TRUE(UNetConfig::from_json(JsonConfig(json, "unet/config.json")).text_time_embedding());
}

TEST(UNetConfig, InconsistentListsAreNamed) {
  auto json = tiny_config();
  json["attention_head_dim"] = {2, 4};
  EXPECT_NE(config_error(json).find("\"attention_head_dim\""), std::string::npos);
  json = tiny_config();
  json["norm_num_groups"] = 24;
  EXPECT_NE(config_error(json).find("norm_num_groups"), std::string::npos);
}

// SDXL's added conditions: both are required, the time ids must fill add_embedding's inputs, and one
// item's conditions serve the whole batch.
TEST(UNet, TextTimeConditionsAreCheckedAndBroadcast) {
  auto json = tiny_config();
  json["addition_embed_type"] = "text_time";
  json["addition_time_embed_dim"] = 4;
  json["projection_class_embeddings_input_dim"] = 16 + 6 * 4;
  torch::manual_seed(0);
  UNet2DConditionModel unet(UNetConfig::from_json(JsonConfig(json, "unet/config.json")));
  torch::NoGradGuard no_grad;
  const auto sample = torch::randn({2, 4, 8, 8});
  const auto context = torch::randn({2, 77, 32});
  const auto t = torch::tensor({500, 500});
  const auto pooled = torch::randn({1, 16});
  const auto ids = torch::tensor({{128.0, 128.0, 0.0, 0.0, 128.0, 128.0}});
  EXPECT_NE(test::error_of([&] { unet->forward(sample, t, context); }).find("needs the pooled text embedding and the time ids"),
            std::string::npos);
  const auto five = test::error_of([&] { unet->forward(sample, t, context, {{}, pooled, ids.slice(1, 0, 5)}); });
  EXPECT_NE(five.find("[1, 5]"), std::string::npos) << five;
  EXPECT_NE(five.find("(2,6)"), std::string::npos) << five;
  const auto one = unet->forward(sample, t, context, {{}, pooled, ids});
  const auto each = unet->forward(sample, t, context, {{}, pooled.expand({2, 16}), ids.expand({2, 6})});
  EXPECT_TRUE(torch::allclose(one, each, 1e-5, 1e-6));
  // the ids take part: another original size gives another prediction
  const auto other = unet->forward(sample, t, context, {{}, pooled, ids * 2});
  EXPECT_FALSE(torch::allclose(one, other, 1e-4, 1e-5));
}

// A random-weight model is enough for what parity cases do not cover: latent sides that are not
// multiples of 8, scalar vs per-item timesteps, and the LCM guidance-embedding input.
TEST(UNet, OddSizesScalarTimestepsAndCondProjection) {
  auto json = tiny_config();
  json["time_cond_proj_dim"] = 16;
  const auto config = UNetConfig::from_json(JsonConfig(json, "unet/config.json"));
  torch::manual_seed(0);
  UNet2DConditionModel unet(config);
  torch::NoGradGuard no_grad;
  const auto sample = torch::randn({2, 4, 13, 7});
  const auto context = torch::randn({2, 77, 32});
  const auto cond = torch::randn({2, 16});
  const auto per_item = unet->forward(sample, torch::tensor({500, 500}), context, {cond});
  EXPECT_EQ(per_item.sizes(), sample.sizes());
  const auto scalar = unet->forward(sample, torch::tensor(500.0), context, {cond});
  EXPECT_TRUE(torch::allclose(per_item, scalar, 1e-5, 1e-6));
  const auto mixed = unet->forward(sample, torch::tensor({500, 20}), context, {cond});
  const auto second =
      unet->forward(sample.slice(0, 1), torch::tensor({20}), context.slice(0, 1), {cond.slice(0, 1)});
  EXPECT_TRUE(torch::allclose(mixed.slice(0, 1), second, 1e-4, 1e-5));
  EXPECT_FALSE(torch::allclose(mixed.slice(0, 1), per_item.slice(0, 1)));
  EXPECT_THROW(unet->forward(sample, torch::tensor({1, 2, 3}), context, {cond}), Error);
  EXPECT_THROW(unet->forward(sample.slice(1, 0, 3), torch::tensor(1), context, {cond}), Error);
}

}  // namespace
}  // namespace palette
