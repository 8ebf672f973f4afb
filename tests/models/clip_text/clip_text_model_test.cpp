// The CLIP text encoder: its config validation and the checkpoint spellings it must accept. Against
// transformers' CLIPTextModel: clip_text_model_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/clip_text/clip_text_model.h"
#include "palette/error.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

JsonConfig tiny_json() {
  return JsonConfig(nlohmann::json{{"hidden_act", "gelu"},
                                   {"hidden_size", 16},
                                   {"intermediate_size", 24},
                                   {"num_attention_heads", 2},
                                   {"num_hidden_layers", 2},
                                   {"max_position_embeddings", 8},
                                   {"vocab_size", 50},
                                   {"layer_norm_eps", 1e-5}},
                    "text_encoder/config.json");
}

std::string config_error(nlohmann::json json) {
  try {
    ClipTextConfig::from_json(JsonConfig(std::move(json), "text_encoder/config.json"));
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "";
}

TEST(ClipTextConfig, ReadsEveryKey) {
  const auto c = ClipTextConfig::from_json(tiny_json());
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_EQ(c.hidden_size, 16);
  EXPECT_EQ(c.intermediate_size, 24);
  EXPECT_EQ(c.num_attention_heads, 2);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.max_position_embeddings, 8);
  EXPECT_EQ(c.vocab_size, 50);
}

TEST(ClipTextConfig, BadKeysAreNamed) {
  auto json = tiny_json().raw();
  json.erase("hidden_size");
  auto message = config_error(json);
  EXPECT_NE(message.find("\"hidden_size\" is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("text_encoder/config.json"), std::string::npos) << message;

  json = tiny_json().raw();
  json["num_hidden_layers"] = "three";
  message = config_error(json);
  EXPECT_NE(message.find("\"num_hidden_layers\" must be an integer"), std::string::npos) << message;

  json = tiny_json().raw();
  json["hidden_act"] = "relu";
  message = config_error(json);
  EXPECT_NE(message.find("\"hidden_act\""), std::string::npos) << message;

  json = tiny_json().raw();
  json["num_attention_heads"] = 3;
  message = config_error(json);
  EXPECT_NE(message.find("\"num_attention_heads\""), std::string::npos) << message;
}

// SDXL's second encoder: the projection exists only when the architecture says so, and needs its width.
TEST(ClipTextConfig, ProjectionComesWithTheArchitecture) {
  EXPECT_EQ(ClipTextConfig::from_json(tiny_json()).projection_dim, 0);
  auto json = tiny_json().raw();
  json["architectures"] = {"CLIPTextModelWithProjection"};
  json["projection_dim"] = 12;
  EXPECT_EQ(ClipTextConfig::from_json(JsonConfig(json, "text_encoder_2/config.json")).projection_dim, 12);
  ClipTextModel model(ClipTextConfig::from_json(JsonConfig(json, "text_encoder_2/config.json")));
  EXPECT_EQ(model->text_projection->weight.sizes(), (torch::IntArrayRef{12, 16}));
  json.erase("projection_dim");
  const std::string message = config_error(json);
  EXPECT_NE(message.find("\"projection_dim\" is missing"), std::string::npos) << message;
}

TEST(ClipTextModel, AcceptsBothNameSpellingsAndPositionIds) {
  const auto config = ClipTextConfig::from_json(tiny_json());
  torch::manual_seed(0);
  ClipTextModel source(config);
  TensorMap prefixed = module_state(*source), bare;
  const std::string prefix = "text_model.";
  for (const auto& [name, tensor] : prefixed) bare[name.substr(prefix.size())] = tensor;
  prefixed["text_model.embeddings.position_ids"] = torch::arange(8).unsqueeze(0);

  const auto ids = torch::randint(0, 50, {2, 8}, torch::kLong);
  torch::NoGradGuard no_grad;
  const auto expected = source->forward(ids).last_hidden_state;
  for (const auto* tensors : {&prefixed, &bare}) {
    ClipTextModel target(config);
    load_clip_text_weights(*target, *tensors, "model.safetensors");
    EXPECT_TRUE(torch::equal(target->forward(ids).last_hidden_state, expected));
  }
}

TEST(ClipTextModel, CausalMaskHidesLaterTokens) {
  torch::manual_seed(1);
  ClipTextModel model(ClipTextConfig::from_json(tiny_json()));
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(0, 50, {1, 8}, torch::kLong);
  const auto before = model->forward(ids).last_hidden_state;
  ids[0][5] = (ids[0][5].item<int64_t>() + 1) % 50;
  const auto after = model->forward(ids).last_hidden_state;
  EXPECT_TRUE(torch::allclose(before.slice(1, 0, 5), after.slice(1, 0, 5)));
  EXPECT_FALSE(torch::allclose(before.slice(1, 5), after.slice(1, 5)));
}

TEST(ClipTextModel, BadInputsAreErrors) {
  ClipTextModel model(ClipTextConfig::from_json(tiny_json()));
  torch::NoGradGuard no_grad;
  EXPECT_THROW(model->forward(torch::zeros({1, 8}, torch::kInt)), Error);      // not int64
  EXPECT_THROW(model->forward(torch::zeros({1, 9}, torch::kLong)), Error);     // too many tokens
  EXPECT_THROW(model->forward(torch::full({1, 8}, 50, torch::kLong)), Error);  // outside the vocabulary
  EXPECT_THROW(model->encode(torch::zeros({1, 8}, torch::kLong), 3), Error);   // clip skip past the layers
  EXPECT_THROW(model->encode(torch::zeros({1, 8}, torch::kLong), 0), Error);
}

TEST(ClipTextModel, MissingCheckpointTensorIsNamed) {
  const auto config = ClipTextConfig::from_json(tiny_json());
  ClipTextModel model(config);
  auto tensors = module_state(*model);
  tensors.erase("text_model.final_layer_norm.bias");
  try {
    load_clip_text_weights(*model, tensors, "model.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text_model.final_layer_norm.bias"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace palette
