// The default model's third stage on the CPU at a tiny size: the tiny autoencoder (AutoencoderTiny) distilled
// from a trained VAE learns on a fixed batch, writes a folder the TAESD path loads, resumes its step count,
// and refuses a folder without a trained autoencoder.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/model_parts.h"
#include "models/taesd/taesd.h"
#include "palette/error.h"
#include "palette/model.h"
#include "palette/safetensors.h"
#include "palette/training.h"
#include "support/temp_dir.h"
#include "tiny_training.h"

namespace palette {
namespace {

TrainOptions tiny(const std::filesystem::path& out, TrainStage stage, int64_t steps) {
  TrainOptions o = test::tiny_training(out, stage, steps);
  o.batch = 8;
  o.pool = 8;  // every step sees the same eight pictures (with fresh posterior samples)
  o.lr = 3e-3;
  o.log_every = 10;
  return o;
}

std::filesystem::path taesd_file(const std::filesystem::path& model) {
  return model / "taesd" / "diffusion_pytorch_model.safetensors";
}

// A tiny autoencoder trained once (20 steps), then its tiny decoder (30 steps) and a UNet (1 step), for the
// tests below.
class DistilledTinyDecoder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    train_default(tiny(folder(), TrainStage::Autoencoder, 20));
    decoder_ = train_default(tiny(folder(), TrainStage::Decoder, 30));
    train_default(tiny(folder(), TrainStage::Unet, 1));  // so the whole folder loads with Model::load
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path folder() { return dir_->path() / "model"; }

  static test::TempDir* dir_;
  static TrainReport decoder_;
};
test::TempDir* DistilledTinyDecoder::dir_ = nullptr;
TrainReport DistilledTinyDecoder::decoder_;

TEST_F(DistilledTinyDecoder, LossFallsAndPsnrRisesOverThirtySteps) {
  std::printf(
      "tiny decoder: validation loss %.4f -> %.4f, PSNR against the VAE's decode %.2f -> %.2f dB "
      "(%.1f ms per step, %lld parameters)\n",
      decoder_.validation_start, decoder_.validation_end, decoder_.psnr_start, decoder_.psnr_end,
      decoder_.step_ms, static_cast<long long>(decoder_.parameters));
  EXPECT_EQ(decoder_.start_step, 0);
  EXPECT_EQ(decoder_.end_step, 30);
  EXPECT_LT(decoder_.validation_end, 0.8 * decoder_.validation_start);
  EXPECT_LT(decoder_.last_loss, decoder_.first_loss);
  EXPECT_GT(decoder_.psnr_end, decoder_.psnr_start + 1.0);
  EXPECT_TRUE(std::isfinite(decoder_.psnr_end));
  EXPECT_TRUE(std::filesystem::exists(folder() / "train-decoder.csv"));
}

TEST_F(DistilledTinyDecoder, WritesAFolderTheTaesdPathLoads) {
  EXPECT_EQ(SafetensorsFile::open(taesd_file(folder())).metadata().at("palette_step"), "30");
  for (const auto& [name, t] : SafetensorsFile::open(taesd_file(folder())).load_all())
    EXPECT_EQ(t.scalar_type(), torch::kHalf) << name;
  Taesd taesd = load_taesd(folder() / "taesd");
  EXPECT_EQ(taesd->config().scaling_factor, 1.0);  // UNet-scale latents in, as SD's TAESD
  ModelOptions options;
  options.taesd = folder() / "taesd";
  const Model model = Model::load(folder(), options);
  ASSERT_FALSE(model_parts(model).taesd.is_empty());
  Taesd loaded = model_parts(model).taesd;  // a non-const handle on the shared module
  torch::NoGradGuard no_grad;
  const torch::Tensor picture = loaded->decode(torch::randn({1, 4, 8, 8}));
  EXPECT_EQ(picture.sizes(), (std::vector<int64_t>{1, 3, 64, 64}));
  EXPECT_TRUE(torch::isfinite(picture).all().item<bool>());
  EXPECT_EQ(loaded->encode(picture).sizes(), (std::vector<int64_t>{1, 4, 8, 8}));
}

TEST_F(DistilledTinyDecoder, ResumesTheStepCount) {
  test::TempDir copy;
  std::filesystem::copy(folder(), copy / "model", std::filesystem::copy_options::recursive);
  TrainOptions o = tiny(copy / "model", TrainStage::Decoder, 2);
  o.resume = true;
  const TrainReport r = train_default(o);
  EXPECT_EQ(r.start_step, 30);
  EXPECT_EQ(r.end_step, 32);
  EXPECT_EQ(SafetensorsFile::open(taesd_file(copy / "model")).metadata().at("palette_step"), "32");
  // a resumed run starts from the trained weights, not from fresh random ones (its validation pictures are
  // others: they come from the data the run resumes at)
  EXPECT_GT(r.psnr_start, decoder_.psnr_start + 1.0);
}

TEST(DefaultModelDecoderStage, RefusesAFolderWithoutATrainedAutoencoder) {
  test::TempDir dir;
  init_default_model_folder(dir / "m", "tiny", 64);
  try {
    train_default(tiny(dir / "m", TrainStage::Decoder, 1));
    ADD_FAILURE() << "trained a decoder without an autoencoder";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((dir / "m").string()), std::string::npos) << message;
    EXPECT_NE(message.find("run --stage autoencoder first"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(taesd_file(dir / "m")));
}

TEST(DefaultModelDecoderStage, StandardDecoderIsNarrowAndSmall) {
  bool found = false;
  for (const auto& c : default_model_sizes("standard")) {
    if (c.name != "taesd") continue;
    found = true;
    EXPECT_LT(c.fp16_bytes, 3'000'000) << c.parameters << " parameters";
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace palette
