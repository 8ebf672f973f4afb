#include "app/model_reference.h"

#include <gtest/gtest.h>

#include "palette/document_file.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

TEST(ModelReference, BesideTheFileIsRelativeElsewhereAbsoluteBuiltInIsEmpty) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "art/models/sd");
  std::filesystem::create_directories(dir / "elsewhere/model");
  std::filesystem::create_directories(dir / "builtin");
  const std::string builtin = (dir / "builtin").string();
  const std::filesystem::path layout = dir / "art/lake.json";
  EXPECT_EQ(model_reference_for(layout, (dir / "art/models/sd").string(), builtin), "models/sd");
  EXPECT_EQ(model_reference_for(layout, (dir / "elsewhere/model").string(), builtin),
            (dir / "elsewhere/model").string());
  EXPECT_EQ(model_reference_for(layout, builtin, builtin), "");
  EXPECT_EQ(model_reference_for(layout, (dir / "art/../builtin").string(), builtin), "")
      << "one folder, two spellings";
  EXPECT_EQ(model_reference_for(layout, "", builtin), "");
}

TEST(ModelReference, LoadsBackAsTheSameModel) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "art/models/sd");
  std::filesystem::create_directories(dir / "other");
  const std::filesystem::path layout = dir / "art/lake.json";
  for (const std::filesystem::path& model : {dir / "art/models/sd", dir / "other"}) {
    const std::string written = model_reference_for(layout, model.string(), "");
    EXPECT_TRUE(std::filesystem::equivalent(model_beside(layout, written), model)) << written;
  }
}

TEST(ModelReference, RelativeModelPathsAreTakenFromTheCurrentFolder) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "models/sd");
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const std::string beside = model_reference_for("lake.json", "models/sd", "");
  const std::string away = model_reference_for("sub/lake.json", "models/sd", "");
  std::filesystem::current_path(before);
  EXPECT_EQ(beside, "models/sd");
  EXPECT_EQ(away, (dir / "models/sd").string()) << "a layout one folder down cannot say 'models/sd'";
}

}  // namespace
}  // namespace palette::app
