// Every safetensors file of the reference fixtures opens, loads, and holds exactly the tensors,
// shapes and metadata that the fixtures' manifest.json (written by the reference tooling) lists.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "palette/safetensors.h"
#include "support/fixtures.h"

namespace palette {
namespace {

TEST(SafetensorsFixtures, EveryFileLoads) {
  const auto dir = test::fixtures_dir();
  if (dir.empty()) return;
  size_t files = 0, tensors = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(dir)) {
    if (item.path().extension() != ".safetensors") continue;
    SCOPED_TRACE(item.path().string());
    const auto file = SafetensorsFile::open(item.path());
    for (const auto& [name, tensor] : file.load_all()) {
      if (tensor.is_floating_point()) {
        EXPECT_TRUE(torch::isfinite(tensor.to(torch::kFloat)).all().item<bool>()) << name;
        // Conversion to the compute dtype works for every stored float dtype.
        EXPECT_EQ(file.load(name, torch::dtype(torch::kFloat)).scalar_type(), torch::kFloat);
      }
      ++tensors;
    }
    ++files;
  }
  std::cout << "  read " << files << " files, " << tensors << " tensors under " << dir << "\n";
  EXPECT_GE(files, 40u);
}

TEST(SafetensorsFixtures, ContentsMatchManifest) {
  const auto dir = test::fixtures_dir();
  if (dir.empty()) return;
  std::ifstream in(dir / "manifest.json");
  ASSERT_TRUE(in) << "manifest.json missing";
  const auto manifest = nlohmann::json::parse(in);
  size_t checked = 0;
  for (const auto& [name, info] : manifest.at("cases").items()) {
    if (!info.contains("tensors")) continue;
    const auto path = dir / (name + ".safetensors");
    if (!std::filesystem::exists(path)) {
      // The README says the VGG LPIPS cases are listed but not shipped.
      EXPECT_EQ(name.rfind("lpips_vgg", 0), 0u) << name << " is listed in the manifest but missing";
      continue;
    }
    SCOPED_TRACE(name);
    const auto file = SafetensorsFile::open(path);
    EXPECT_EQ(file.entries().size(), info["tensors"].size());
    for (const auto& [tensor, shape] : info["tensors"].items()) {
      ASSERT_TRUE(file.contains(tensor)) << tensor;
      EXPECT_EQ(file.entry(tensor).shape, shape.get<std::vector<int64_t>>()) << tensor;
    }
    if (info.contains("meta")) {
      for (const auto& [key, value] : info["meta"].items()) {
        ASSERT_TRUE(file.metadata().count(key)) << "metadata " << key;
        EXPECT_EQ(nlohmann::json::parse(file.metadata().at(key)), value) << "metadata " << key;
      }
    }
    ++checked;
  }
  std::cout << "  checked " << checked << " cases against manifest.json\n";
  EXPECT_GE(checked, 40u);
}

}  // namespace
}  // namespace palette
