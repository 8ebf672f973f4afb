// The procedural world: reproducible from its seed, every class reachable, captions that name what is
// in the picture, class maps that agree with the pixels.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <string_view>

#include "palette/error.h"
#include "palette/world.h"
#include "support/temp_dir.h"
#include "training/region_classifier.h"

namespace palette {
namespace {

WorldOptions small(int size = 64) {
  WorldOptions o;
  o.width = o.height = size;
  return o;
}

TEST(WorldGenerator, SameSeedSameSampleOtherSeedOtherSample) {
  const WorldSample a = make_world_sample(11, 3, small()), b = make_world_sample(11, 3, small());
  EXPECT_EQ(a.image.pixels, b.image.pixels);
  EXPECT_EQ(a.classes, b.classes);
  EXPECT_EQ(a.caption, b.caption);
  const WorldSample c = make_world_sample(12, 3, small()), d = make_world_sample(11, 4, small());
  EXPECT_NE(a.image.pixels, c.image.pixels);
  EXPECT_NE(a.image.pixels, d.image.pixels);
}

// Pins the generator's output: a change of the world (and so of the default model's training data)
// must be deliberate. The sum is over bytes and classes; plain integer arithmetic, the same anywhere.
TEST(WorldGenerator, OutputIsPinned) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < 4; ++i) {
    const WorldSample s = make_world_sample(2024, i, small(48));
    for (size_t k = 0; k < s.image.pixels.size(); ++k) sum = sum * 31 + s.image.pixels[k] + 7 * s.classes[k / 3];
    for (char ch : s.caption) sum = sum * 131 + static_cast<unsigned char>(ch);
  }
  std::printf("world checksum %llu\n", static_cast<unsigned long long>(sum));
  EXPECT_EQ(sum, 11242290395972927974ull) << "update the pinned value only after a deliberate change of the world";
}

TEST(WorldGenerator, EveryClassAppearsAndEverySceneIsMade) {
  std::array<int64_t, kWorldClassCount> seen{};
  std::set<WorldScene> scenes;
  for (uint64_t i = 0; i < 120; ++i) {
    const WorldSample s = make_world_sample(5, i, small(48));
    scenes.insert(s.scene);
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c) seen[c] += counts[c] > 0;
  }
  for (int c = 0; c < kWorldClassCount; ++c)
    EXPECT_GT(seen[c], 0) << world_class_name(static_cast<WorldClass>(c)) << " never appears";
  EXPECT_EQ(scenes.size(), static_cast<size_t>(kWorldSceneCount));
}

TEST(WorldGenerator, CaptionsNameEveryClassPresent) {
  for (uint64_t i = 0; i < 80; ++i) {
    const WorldSample s = make_world_sample(9, i, small(48));
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c) {
      const std::string& name = world_class_name(static_cast<WorldClass>(c));
      if (counts[c] > 0)
        EXPECT_NE(s.caption.find(name), std::string::npos) << "'" << s.caption << "' lacks " << name;
    }
    if (s.scene == WorldScene::Crop) {
      int present = 0;
      for (int c = 0; c < kWorldClassCount; ++c) present += counts[c] > 0;
      EXPECT_EQ(present, 1) << "a crop shows one class";
      EXPECT_TRUE(world_class_from_name(s.caption).has_value()) << s.caption;
    }
  }
}

TEST(WorldGenerator, CropsOfEveryClassCoverTheFrame) {
  WorldOptions o = small(32);
  o.scene = WorldScene::Crop;
  for (int c = 0; c < kWorldClassCount; ++c) {
    o.crop_class = static_cast<WorldClass>(c);
    const WorldSample s = make_world_sample(1, 0, o);
    EXPECT_EQ(world_class_counts(s)[c], 32 * 32);
    EXPECT_EQ(s.caption, world_class_name(static_cast<WorldClass>(c)));
  }
}

// The class map agrees with the pixels: classes differ in mean colour, and the evaluation's
// nearest-class-mean classifier, trained on other pictures, recognises most regions of these.
TEST(WorldGenerator, ClassMapsMatchThePixels) {
  constexpr int kSize = 96;
  std::array<std::array<double, 3>, kWorldClassCount> sum{};
  std::array<int64_t, kWorldClassCount> n{};
  const auto classifier = training::RegionClassifier::from_world(77, 160, kSize, 2);
  int regions = 0, right = 0;
  for (uint64_t i = 0; i < 60; ++i) {
    const WorldSample s = make_world_sample(78, i, small(kSize));
    for (size_t p = 0; p < s.classes.size(); ++p) {
      ++n[s.classes[p]];
      for (int k = 0; k < 3; ++k) sum[s.classes[p]][k] += s.image.pixels[3 * p + k] / 255.0;
    }
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c) {
      if (counts[c] < kSize * kSize / 100) continue;
      const auto region = training::eroded_region(s.classes, kSize, kSize, static_cast<WorldClass>(c), 2);
      const auto f = training::region_features(s.image, [&](int x, int y) { return region[y * kSize + x] != 0; }, 16);
      if (!f) continue;
      ++regions;
      right += classifier.classify(*f) == static_cast<WorldClass>(c);
    }
  }
  double closest = 1e9;
  for (int a = 0; a < kWorldClassCount; ++a)
    for (int b = a + 1; b < kWorldClassCount; ++b) {
      if (n[a] == 0 || n[b] == 0) continue;
      double d2 = 0;
      for (int k = 0; k < 3; ++k) d2 += std::pow(sum[a][k] / n[a] - sum[b][k] / n[b], 2);
      closest = std::min(closest, std::sqrt(d2));
    }
  const double accuracy = static_cast<double>(right) / regions;
  std::printf("closest class means %.3f apart (RGB 0-1); classifier on the world's own regions: %d/%d = %.1f%%\n",
              closest, right, regions, 100 * accuracy);
  EXPECT_GT(closest, 0.03);
  EXPECT_GT(regions, 100);
  EXPECT_GT(accuracy, 0.8);
}

TEST(WorldGenerator, WritesADatasetAndRefusesBadOptions) {
  test::TempDir dir;
  EXPECT_EQ(write_world_dataset(dir / "set", 3, 2, small(32)), 5);
  EXPECT_TRUE(std::filesystem::exists(dir / "set" / "00001.classes.png"));
  const Image image = read_image(dir / "set" / "00000.png");
  EXPECT_EQ(image.width, 32);
  EXPECT_EQ(read_png_text(dir / "set" / "00000.png").at("caption"), make_world_sample(3, 0, small(32)).caption);
  WorldOptions bad = small();
  bad.width = 8;
  EXPECT_THROW(make_world_sample(1, 0, bad), Error);
  bad = small();
  bad.crop_fraction = 2;
  EXPECT_THROW(make_world_sample(1, 0, bad), Error);
  bad = small();
  bad.crop_class = WorldClass::Sea;
  EXPECT_THROW(make_world_sample(1, 0, bad), Error);
}

// Weighted scenes: a weight of 0 never draws a scene, and the draws follow the odds. Equal weights of any
// size draw exactly as the default does, so the seeds of earlier training runs and evaluations keep their
// pictures (the pinned checksum above holds the default itself).
TEST(WorldGenerator, SceneWeightsSetTheOddsOfTheComposedScenes) {
  WorldOptions equal = small(32);
  equal.scene_weights.fill(2.5f);
  for (uint64_t i = 0; i < 40; ++i) {
    const WorldSample a = make_world_sample(9, i, small(32)), b = make_world_sample(9, i, equal);
    ASSERT_EQ(a.scene, b.scene) << "sample " << i;
    ASSERT_EQ(a.caption, b.caption) << "sample " << i;
  }
  WorldOptions winter_only = small(32);
  winter_only.crop_fraction = 0;
  winter_only.scene_weights.fill(0.0f);
  winter_only.scene_weights[static_cast<size_t>(WorldScene::Winter)] = 1;
  for (uint64_t i = 0; i < 30; ++i) EXPECT_EQ(make_world_sample(9, i, winter_only).scene, WorldScene::Winter);
  WorldOptions more_winter = small(16);
  more_winter.crop_fraction = 0;
  more_winter.scene_weights = parse_scene_weights("winter=3,desert=0");
  std::array<int, kWorldSceneCount> drawn{};
  const int n = 3000;
  for (uint64_t i = 0; i < n; ++i) ++drawn[static_cast<size_t>(make_world_sample(9, i, more_winter).scene)];
  const double winter = double(drawn[static_cast<size_t>(WorldScene::Winter)]) / n;
  std::printf("winter drawn %.3f of %d samples (odds 3/7)\n", winter, n);
  EXPECT_EQ(drawn[static_cast<size_t>(WorldScene::Desert)], 0);
  EXPECT_EQ(drawn[static_cast<size_t>(WorldScene::Crop)], 0);
  EXPECT_NEAR(winter, 3.0 / 7.0, 0.04);  // 4.4 standard deviations of 3000 draws
  for (WorldScene s : {WorldScene::Coast, WorldScene::Countryside, WorldScene::MountainLake, WorldScene::Road})
    EXPECT_NEAR(double(drawn[static_cast<size_t>(s)]) / n, 1.0 / 7.0, 0.03) << world_scene_name(s);
}

TEST(WorldGenerator, SceneWeightsRefuseWhatIsNotAWeight) {
  const auto message = [](std::string_view text) {
    try {
      parse_scene_weights(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(parse_scene_weights("road=0.5")[static_cast<size_t>(WorldScene::Road)], 0.5f);
  EXPECT_EQ(parse_scene_weights("road=0.5")[static_cast<size_t>(WorldScene::Coast)], 1.0f);
  EXPECT_NE(message("wintr=2").find("unknown scene 'wintr'"), std::string::npos) << message("wintr=2");
  EXPECT_NE(message("wintr=2").find("coast, countryside, mountain-lake, winter, desert, road"), std::string::npos);
  EXPECT_NE(message("crop=2").find("unknown scene 'crop'"), std::string::npos);  // crop_fraction decides crops
  EXPECT_NE(message("winter").find("NAME=WEIGHT"), std::string::npos);
  EXPECT_NE(message("winter=2,").find("NAME=WEIGHT"), std::string::npos);
  EXPECT_NE(message("winter=lots").find("in [0, 100]"), std::string::npos);
  EXPECT_NE(message("winter=-1").find("in [0, 100]"), std::string::npos);
  EXPECT_NE(message("winter=nan").find("in [0, 100]"), std::string::npos);
  EXPECT_NE(message("winter=1e9").find("in [0, 100]"), std::string::npos);
  EXPECT_NE(message("coast=0,countryside=0,mountain-lake=0,winter=0,desert=0,road=0").find("all 0"),
            std::string::npos);
  WorldOptions bad = small();
  bad.scene_weights[static_cast<size_t>(WorldScene::Road)] = -1;
  EXPECT_THROW(make_world_sample(1, 0, bad), Error);
  bad.scene_weights.fill(0.0f);
  EXPECT_THROW(make_world_sample(1, 0, bad), Error);
}

}  // namespace
}  // namespace palette
