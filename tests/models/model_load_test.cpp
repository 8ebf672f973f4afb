// Model::load: every load problem is a clear error, the configuration is detected as the reference's,
// LoRA is merged at load and the assets are found. The reference outputs: model_load_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/checkpoint_layout.h"
#include "io/json_config.h"
#include "kernels/fused_ops.h"
#include "models/assets.h"
#include "models/detect_config.h"
#include "models/model_parts.h"
#include "models/single_file_fixture.h"
#include "palette/error.h"
#include "palette/model.h"
#include "support/fixtures.h"
#include "support/parity.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

namespace fs = std::filesystem;

using checkpoint::TextEncoderLayout;
using test::components_of;
using test::write_single_file;

std::string load_error(const fs::path& path, const ModelOptions& options = {}) {
  try {
    Model::load(path, options);
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "(no error)";
}

// What the weights' shapes determine must agree with the reference configs.
TEST(ModelLoad, DetectedConfigMatchesReference) {
  for (const std::string name : {"tiny-sd15", "tiny-sd21"}) {
    SCOPED_TRACE(name);
    const auto dir = test::fixtures_dir() / name;
    const auto c = components_of(dir);
    const auto family = name == "tiny-sd15" ? ModelFamily::Sd1 : ModelFamily::Sd2;
    const auto unet = detect_unet_config(c.unet, family, name);
    const auto ref = JsonConfig::load(dir / "unet" / "config.json").raw();
    for (const char* key : {"block_out_channels", "down_block_types", "up_block_types", "layers_per_block",
                            "cross_attention_dim", "use_linear_projection", "in_channels", "out_channels"})
      EXPECT_EQ(unet.at(key), ref.at(key)) << key;
    if (family == ModelFamily::Sd1) EXPECT_EQ(unet.at("attention_head_dim"), ref.at("attention_head_dim"));
    const auto vae = detect_vae_config(c.vae, family, name);
    const auto vref = JsonConfig::load(dir / "vae" / "config.json").raw();
    for (const char* key : {"block_out_channels", "layers_per_block", "latent_channels", "in_channels"})
      EXPECT_EQ(vae.at(key), vref.at(key)) << key;
    const auto text = detect_text_encoder_config(c.text_encoder, family, name);
    const auto tref = JsonConfig::load(dir / "text_encoder" / "config.json").raw();
    for (const char* key : {"hidden_size", "intermediate_size", "num_hidden_layers", "vocab_size", "hidden_act"})
      EXPECT_EQ(text.at(key), tref.at(key)) << key;
  }
}

// SDXL single files: what the shapes determine agrees with diffusers' config of the same model (the heads
// excepted: tiny-sdxl's are not SDXL's 64-wide ones, which detection assumes).
TEST(ModelLoad, DetectedSdxlConfigMatchesReference) {
  const auto dir = test::fixtures_dir() / "tiny-sdxl";
  const auto c = components_of(dir);
  const auto text_2 = detect_text_encoder_2_config(c.text_encoder_2, "tiny-sdxl");
  const auto t2ref = JsonConfig::load(dir / "text_encoder_2" / "config.json").raw();
  for (const char* key : {"hidden_size", "intermediate_size", "num_hidden_layers", "vocab_size", "hidden_act",
                          "projection_dim", "architectures"})
    EXPECT_EQ(text_2.at(key), t2ref.at(key)) << key;
  const auto text = detect_text_encoder_config(c.text_encoder, ModelFamily::Sdxl, "tiny-sdxl");
  const auto tref = JsonConfig::load(dir / "text_encoder" / "config.json").raw();
  for (const char* key : {"hidden_size", "intermediate_size", "num_hidden_layers", "hidden_act"})
    EXPECT_EQ(text.at(key), tref.at(key)) << key;
  const auto unet = detect_unet_config(c.unet, ModelFamily::Sdxl, "tiny-sdxl", text_2.at("projection_dim").get<int64_t>());
  const auto ref = JsonConfig::load(dir / "unet" / "config.json").raw();
  for (const char* key : {"block_out_channels", "down_block_types", "up_block_types", "layers_per_block",
                          "cross_attention_dim", "use_linear_projection", "addition_embed_type",
                          "addition_time_embed_dim", "projection_class_embeddings_input_dim",
                          "transformer_layers_per_block"})
    EXPECT_EQ(unet.at(key), ref.at(key)) << key;
  const auto vae = detect_vae_config(c.vae, ModelFamily::Sdxl, "tiny-sdxl");
  const auto vref = JsonConfig::load(dir / "vae" / "config.json").raw();
  for (const char* key : {"block_out_channels", "layers_per_block", "latent_channels", "scaling_factor", "force_upcast"})
    EXPECT_EQ(vae.at(key), vref.at(key)) << key;
}

// An SDXL single file that lacks a text encoder, or holds another conditioner (a refiner's), is named as such.
TEST(ModelLoad, SdxlSingleFileProblemsAreNamed) {
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sdxl";
  const auto truncated = write_single_file(tmp, "tiny-sdxl", TextEncoderLayout::SdxlPair, [](TensorMap& m) {
    for (auto it = m.begin(); it != m.end();)
      it = it->first.rfind("conditioner.embedders.1.", 0) == 0 ? m.erase(it) : std::next(it);
  });
  EXPECT_NE(load_error(truncated, options).find("only one of its two text encoders (no conditioner.embedders.1.model.*"),
            std::string::npos);
  const auto refiner = write_single_file(tmp, "tiny-sdxl", TextEncoderLayout::SdxlPair, [](TensorMap& m) {
    m["conditioner.embedders.0.model.ln_final.weight"] = torch::zeros({2});
  });
  EXPECT_NE(load_error(refiner, options).find("does not fit SDXL's conditioner layout"), std::string::npos);
  const auto missing_layer = write_single_file(tmp, "tiny-sdxl", TextEncoderLayout::SdxlPair, [](TensorMap& m) {
    m.erase("conditioner.embedders.1.model.transformer.resblocks.1.mlp.c_fc.weight");
  });
  EXPECT_NE(load_error(missing_layer, options).find("missing tensor 'text_model.encoder.layers.1.mlp.fc1.weight'"),
            std::string::npos);
}

TEST(ModelLoad, SingleFileProblemsNameTheTensor) {
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sd15";
  const auto missing = write_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1,
                                         [](TensorMap& m) { m.erase("model.diffusion_model.out.2.bias"); });
  EXPECT_NE(load_error(missing, options).find("missing tensor 'conv_out.bias'"), std::string::npos);
  const auto shape = write_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1, [](TensorMap& m) {
    m["model.diffusion_model.out.2.bias"] = torch::zeros({5});
  });
  EXPECT_NE(load_error(shape, options).find("'conv_out.bias' has shape [5]"), std::string::npos);
  const auto extra = write_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1, [](TensorMap& m) {
    m["model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_z.weight"] = torch::zeros({2});
  });
  EXPECT_NE(load_error(extra, options).find("unexpected tensor 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_z.weight'"),
            std::string::npos);
  const auto odd = write_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1, [](TensorMap& m) {
    m["model.diffusion_model.label_emb.0.0.weight"] = torch::zeros({2});
  });
  // SDXL's text_time embedding in an SD 1.5 checkpoint: named under the UNet's own name for it.
  EXPECT_NE(load_error(odd, options).find("unexpected tensor 'add_embedding.linear_1.weight'"), std::string::npos);
  const auto not_sd = tmp / "random.safetensors";
  save_safetensors(not_sd, {{"weight", torch::zeros({2})}});
  EXPECT_NE(load_error(not_sd).find("not a Stable Diffusion checkpoint"), std::string::npos);
}

TEST(ModelLoad, FolderThatIsNotAModelSaysSo) {
  test::TempDir tmp;
  fs::create_directories(tmp / "photos");
  std::ofstream(tmp / "photos" / "a.png") << "x";
  EXPECT_EQ(load_error(tmp / "photos"), "'" + (tmp / "photos").string() +
                                            "': no model_index.json and no .safetensors here: not a diffusers "
                                            "model folder");
  std::ofstream(tmp / "photos" / "sd15.safetensors") << "x";
  const std::string with_file = load_error(tmp / "photos");
  EXPECT_NE(with_file.find("not a diffusers model folder; for a single-file checkpoint, give the file itself"),
            std::string::npos)
      << with_file;
  EXPECT_NE(with_file.find("sd15.safetensors"), std::string::npos) << with_file;
}

// An SDXL folder brings both text encoders and both tokenizers; one that lacks a part says which.
TEST(ModelLoad, SdxlFolderLoadsBothTextEncoders) {
  const Model model = Model::load(test::fixtures_dir() / "tiny-sdxl");
  EXPECT_EQ(model.info().family, "SDXL");
  EXPECT_EQ(model.info().native.side, 1024);  // the canvas SDXL was trained at (render's default size)
  std::vector<std::string> names;
  for (const auto& c : model.info().components) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"text_encoder", "text_encoder_2", "unet", "vae"}));
  EXPECT_NE(model.info().components[1].architecture.find("projection 32"), std::string::npos)
      << model.info().components[1].architecture;
  EXPECT_NE(model.info().components[2].architecture.find("text-time embedding"), std::string::npos);
  test::TempDir tmp;
  const auto without = [&](const char* part) {
    const auto dir = tmp / (std::string("no-") + part);
    fs::copy(test::fixtures_dir() / "tiny-sdxl", dir, fs::copy_options::recursive);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir / part);
    return load_error(dir);
  };
  EXPECT_NE(without("tokenizer_2").find("an SDXL model (StableDiffusionXLPipeline) without tokenizer_2/"), std::string::npos);
  EXPECT_NE(without("text_encoder_2").find("without text_encoder_2/: SDXL needs both text encoders"), std::string::npos);
  EXPECT_NE(without("text_encoder").find("without text_encoder/ (an SDXL refiner?)"), std::string::npos);
}

// Families the engine does not run are named as such, not as a missing or malformed part.
TEST(ModelLoad, OtherFamiliesAreNamed) {
  test::TempDir tmp;
  fs::create_directories(tmp / "flux" / "transformer");
  std::ofstream(tmp / "flux" / "model_index.json") << R"({"_class_name": "FluxPipeline"})";
  const std::string flux = load_error(tmp / "flux");
  EXPECT_NE(flux.find("a transformer-based model (FluxPipeline, such as SD3 or Flux)"), std::string::npos) << flux;
  fs::create_directories(tmp / "odd" / "text_encoder_2");
  std::ofstream(tmp / "odd" / "model_index.json") << R"({"_class_name": 5})";
  const std::string odd = load_error(tmp / "odd");
  EXPECT_NE(odd.find("an SDXL model (text_encoder_2/)"), std::string::npos) << odd;
}

TEST(ModelLoad, FolderProblemsNameTheFile) {
  EXPECT_NE(load_error("/no/such/model").find("no such model"), std::string::npos);
  test::TempDir tmp;
  fs::copy(test::fixtures_dir() / "tiny-sd15", tmp / "m", fs::copy_options::recursive);
  {
    std::ofstream(tmp / "m" / "unet" / "config.json") << "{ \"block_out_channels\": [32, ";
  }
  const auto message = load_error(tmp / "m");
  EXPECT_NE(message.find("unet/config.json"), std::string::npos);
  EXPECT_NE(message.find("not valid JSON"), std::string::npos);
  fs::remove(tmp / "m" / "vae" / "diffusion_pytorch_model.safetensors");
  fs::copy_file(test::fixtures_dir() / "tiny-sd15" / "unet" / "config.json", tmp / "m" / "unet" / "config.json",
                fs::copy_options::overwrite_existing);
  EXPECT_NE(load_error(tmp / "m").find("no weights file"), std::string::npos);
  ModelOptions half;
  half.dtype = torch::kHalf;
  EXPECT_NE(load_error(test::fixtures_dir() / "tiny-sd15", half).find("need a CUDA device"), std::string::npos);
}

// A copy of the tiny SD 1.x fixture whose `file` (e.g. "unet/config.json") has `key` set to `value`.
fs::path fixture_with(const test::TempDir& tmp, const std::string& file, const std::string& key,
                      const nlohmann::json& value) {
  const fs::path dir = tmp / "m";
  fs::remove_all(dir);
  fs::copy(test::fixtures_dir() / "tiny-sd15", dir, fs::copy_options::recursive);
  nlohmann::json config = JsonConfig::load(dir / file).raw();
  config[key] = value;
  std::ofstream(dir / file) << config.dump();
  return dir;
}

TEST(ModelLoad, ConfigOutOfRangeIsRefusedBeforeBuilding) {
  test::TempDir tmp;
  // Built as asked, these took 9 GB and more before the weights could say they were wrong.
  EXPECT_NE(load_error(fixture_with(tmp, "unet/config.json", "layers_per_block", 100000))
                .find("unet/config.json': \"layers_per_block\" is 100000, expected 1…8"),
            std::string::npos);
  EXPECT_NE(load_error(fixture_with(tmp, "text_encoder/config.json", "num_hidden_layers", 10000000))
                .find("\"num_hidden_layers\" is 10000000, expected 1…64"),
            std::string::npos);
  EXPECT_NE(load_error(fixture_with(tmp, "vae/config.json", "layers_per_block", 100000))
                .find("vae/config.json': \"layers_per_block\" is 100000, expected 1…8"),
            std::string::npos);
  // Seven heads cannot share 32 channels: the config is at fault, not the weights.
  EXPECT_NE(load_error(fixture_with(tmp, "unet/config.json", "attention_head_dim", 7))
                .find("\"attention_head_dim\" asks for 7 heads, which do not divide the 32 channels of block 0"),
            std::string::npos);
}

TEST(ModelLoad, DeepOrLongConfigValuesGiveAShortMessage) {
  test::TempDir tmp;
  // json::dump on the error path recursed once per level and overflowed the stack.
  const fs::path deep = fixture_with(tmp, "unet/config.json", "norm_eps", "deep");
  std::string text = JsonConfig::load(deep / "unet" / "config.json").raw().dump();
  const std::string placeholder = "\"norm_eps\":\"deep\"";
  ASSERT_NE(text.find(placeholder), std::string::npos);
  text.replace(text.find(placeholder), placeholder.size(),
               "\"norm_eps\":" + std::string(50000, '[') + std::string(50000, ']'));
  std::ofstream(deep / "unet" / "config.json") << text;
  const std::string nested = load_error(deep);
  EXPECT_NE(nested.find("unet/config.json"), std::string::npos) << nested;
  EXPECT_LT(nested.size(), 300u) << nested;
  // A 100 KB value is cut in the message.
  const std::string long_value = load_error(fixture_with(tmp, "unet/config.json", "norm_eps", std::string(100000, 'x')));
  EXPECT_NE(long_value.find("\"norm_eps\" must be a number"), std::string::npos) << long_value;
  EXPECT_LT(long_value.size(), 300u) << long_value;
}

TEST(ModelLoad, DamagedWeightsAreNamed) {
  test::TempDir tmp;
  fs::copy(test::fixtures_dir() / "tiny-sd15", tmp / "m", fs::copy_options::recursive);
  const fs::path file = tmp / "m" / "unet" / "diffusion_pytorch_model.safetensors";
  TensorMap weights = SafetensorsFile::open(file).load_all();
  torch::Tensor damaged = weights.at("conv_in.weight").clone();
  damaged[0][1][2][0] = NAN;
  damaged[3][0][0][0] = -INFINITY;
  weights["conv_in.weight"] = damaged;
  save_safetensors(file, NamedTensors(weights.begin(), weights.end()));
  EXPECT_NE(load_error(tmp / "m").find("diffusion_pytorch_model.safetensors': tensor 'conv_in.weight' holds 2 NaN or "
                                       "infinite value(s) of 1152; the weights are damaged"),
            std::string::npos);
}

TEST(ModelLoad, LoraScaleMustBeFinite) {
  test::TempDir tmp;
  save_safetensors(tmp / "lora.safetensors", {{"lora_unet_conv_out.lora_up.weight", torch::ones({4, 1, 1, 1})},
                                              {"lora_unet_conv_out.lora_down.weight", torch::ones({1, 32, 3, 3})}});
  for (const double scale : {double(NAN), double(INFINITY), 1e308, -11.0}) {
    ModelOptions options;
    options.loras = {{tmp / "lora.safetensors", scale}};
    EXPECT_NE(load_error(test::fixtures_dir() / "tiny-sd15", options).find("must be a finite number in [-10, 10]"),
              std::string::npos)
        << scale;
  }
}

TEST(ModelLoad, LoraIsMergedAtLoad) {
  test::TempDir tmp;
  const auto base = Model::load(test::fixtures_dir() / "tiny-sd15");
  const auto w = model_parts(base).unet->named_parameters()["conv_out.weight"].clone();
  save_safetensors(tmp / "lora.safetensors", {{"lora_unet_conv_out.lora_up.weight", torch::ones({w.size(0), 1, 1, 1})},
                                              {"lora_unet_conv_out.lora_down.weight", torch::ones({1, w.size(1), 3, 3})}});
  ModelOptions options;
  options.loras = {{tmp / "lora.safetensors", 0.25}};
  const auto merged = Model::load(test::fixtures_dir() / "tiny-sd15", options);
  ASSERT_EQ(merged.info().loras.size(), 1u);
  const auto w2 = model_parts(merged).unet->named_parameters()["conv_out.weight"];
  EXPECT_TRUE(torch::allclose(w2, w + 0.25, 1e-6, 1e-6));
}

// An SDXL LoRA reaches all three parts at load, and the model says how many weights of each changed.
TEST(ModelLoad, SdxlLoraReachesBothTextEncoders) {
  test::TempDir tmp;
  const auto param = [](const torch::nn::Module& m, const std::string& suffix) {
    for (const auto& p : m.named_parameters())
      if (p.key().size() >= suffix.size() && p.key().compare(p.key().size() - suffix.size(), suffix.size(), suffix) == 0)
        return p.value().clone();
    ADD_FAILURE() << "no parameter ending in " << suffix;
    return torch::Tensor();
  };
  const auto base = Model::load(test::fixtures_dir() / "tiny-sdxl");
  const auto fc2 = param(*model_parts(base).text_encoder_2, "encoder.layers.0.mlp.fc2.weight");
  const auto fc1 = param(*model_parts(base).text_encoder, "encoder.layers.0.mlp.fc1.weight");
  const auto q = param(*model_parts(base).unet, "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight");
  save_safetensors(tmp / "xl.safetensors",
                   {{"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_up.weight", torch::ones({fc2.size(0), 1})},
                    {"lora_te2_text_model_encoder_layers_0_mlp_fc2.lora_down.weight", torch::ones({1, fc2.size(1)})},
                    {"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", torch::ones({fc1.size(0), 1})},
                    {"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", torch::ones({1, fc1.size(1)})},
                    {"lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_up.weight", torch::ones({q.size(0), 1})},
                    {"lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight", torch::ones({1, q.size(1)})}});
  ModelOptions options;
  options.loras = {{tmp / "xl.safetensors", 0.5}};
  const auto merged = Model::load(test::fixtures_dir() / "tiny-sdxl", options);
  ASSERT_EQ(merged.info().loras.size(), 1u);
  EXPECT_NE(merged.info().loras[0].find("1 UNet and 1 + 1 text-encoder weights"), std::string::npos)
      << merged.info().loras[0];
  EXPECT_TRUE(torch::allclose(param(*model_parts(merged).text_encoder_2, "encoder.layers.0.mlp.fc2.weight"), fc2 + 0.5, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(param(*model_parts(merged).text_encoder, "encoder.layers.0.mlp.fc1.weight"), fc1 + 0.5, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(
      param(*model_parts(merged).unet, "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight"), q + 0.5, 1e-6, 1e-6));

  // An SD 1.5 LoRA on it: named, before anything loads.
  save_safetensors(tmp / "sd15.safetensors", {{"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", torch::ones({4, 1})},
                                              {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", torch::ones({1, 4})}});
  options.loras = {{tmp / "sd15.safetensors", 1.0}};
  EXPECT_NE(load_error(test::fixtures_dir() / "tiny-sdxl", options).find("a LoRA for SD 1.x/2.x models"),
            std::string::npos);
}

// The bundled assets are found from the program: an installed prefix's share/semantic-palette, or the
// assets/ of the source tree a build sits in; a folder without the CLIP vocabulary is passed over.
TEST(Assets, FoundFromTheExecutable) {
  const test::TempDir tmp;
  const auto make_assets = [](const fs::path& folder) {
    fs::create_directories(folder / "clip-tokenizer");
    test::write_raw(folder / "clip-tokenizer" / "vocab.json", "{}");
  };
  make_assets(tmp / "prefix/share/semantic-palette");
  const auto found_from = [&](const std::string& executable, const std::string& assets) {
    return fs::equivalent(assets_beside(tmp / executable), tmp / assets);
  };
  EXPECT_TRUE(found_from("prefix/bin/palette", "prefix/share/semantic-palette"));
  make_assets(tmp / "source/assets");
  fs::create_directories(tmp / "source/build/assets");  // not the assets: no vocabulary
  EXPECT_TRUE(found_from("source/build/src/app/semantic-palette", "source/assets"));
  EXPECT_TRUE(found_from("source/build/tests/palette_tests", "source/assets"));
  // A build folder elsewhere links build/share/semantic-palette to the source tree's assets (CMake does).
  fs::create_directories(tmp / "elsewhere/share");
  fs::create_directory_symlink(tmp / "source/assets", tmp / "elsewhere/share/semantic-palette");
  EXPECT_EQ(assets_beside(tmp / "elsewhere/src/palette"), fs::canonical(tmp / "source/assets"));
  // Nowhere: where an install would put them, for the error to name.
  EXPECT_EQ(assets_beside(tmp / "bare/bin/palette"), tmp / "bare/share/semantic-palette");
  // This test program, built in the source tree, finds the source tree's assets.
  if (std::getenv("PALETTE_ASSETS") == nullptr) {
    const fs::path source_assets = fs::path(PALETTE_SOURCE_DIR) / "assets";
    EXPECT_TRUE(fs::equivalent(assets_folder(), source_assets)) << assets_folder();
    EXPECT_TRUE(fs::equivalent(builtin_model_folder(), source_assets / "default-model"));
  }
}

// Whether the networks take the fused kernels is the model's own choice: it reaches every module that
// calls them, and no other model's.
TEST(ModelLoad, FusedKernelChoiceReachesEveryModuleThatCallsThem) {
  ModelOptions options;
  options.taesd = test::fixtures_dir() / "tiny-taesd";
  const Model with = Model::load(test::fixtures_dir() / "tiny-sd15", options);
  options.fused_kernels = false;
  const Model without = Model::load(test::fixtures_dir() / "tiny-sd15", options);
  for (const Model* model : {&with, &without}) {
    const bool kernels = model == &with;
    int callers = 0;
    const auto check = [&](const torch::nn::Module& network) {
      network.apply([&](const torch::nn::Module& m) {
        if (const auto* caller = dynamic_cast<const fused::Caller*>(&m)) {
          ++callers;
          EXPECT_EQ(caller->fused_ops().kernels(), kernels) << m.name();
        }
      });
    };
    check(*model_parts(*model).unet);
    check(*model_parts(*model).vae);
    check(*model_parts(*model).taesd);
    EXPECT_GT(callers, 20);
  }
}

}  // namespace
}  // namespace palette
