// The example palettes and layouts in assets/examples: they load, they are what their generator
// paints (set PALETTE_WRITE_EXAMPLES=1 to write them again after a deliberate change), and they
// make valid render requests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "example_layouts.h"
#include "palette/document_file.h"
#include "palette/document_requests.h"
#include "palette/world.h"

namespace palette {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(PALETTE_SOURCE_DIR) / "assets" / "examples";

TEST(DocumentExamples, MatchTheirGenerator) {
  const bool write = std::getenv("PALETTE_WRITE_EXAMPLES") != nullptr;
  for (const test::ExampleLayout& example : test::example_layouts()) {
    const auto layout = kExamples / (example.name + ".layout.json");
    const auto palette = kExamples / (example.name + ".palette.json");
    if (write) {
      std::filesystem::create_directories(kExamples);
      save_document(example.document, layout, DocumentKind::Layout);
      save_document(example.document, palette, DocumentKind::Palette);
    }
    const LoadedDocument l = load_document(layout);
    EXPECT_EQ(l.kind, DocumentKind::Layout);
    EXPECT_TRUE(same_content(l.document.content(), example.document.content())) << layout;
    const LoadedDocument p = load_document(palette);
    EXPECT_EQ(p.kind, DocumentKind::Palette);
    ASSERT_EQ(p.document.layers().size(), example.document.layers().size());
    for (size_t i = 0; i < p.document.layers().size(); ++i) {
      EXPECT_TRUE(p.document.layers()[i].properties == example.document.layers()[i].properties);
      EXPECT_TRUE(p.document.layers()[i].mask.empty());
    }
  }
}

TEST(DocumentExamples, LayoutsMakeValidRenderRequests) {
  for (const test::ExampleLayout& example : test::example_layouts()) {
    const std::string& name = example.name;
    const LoadedDocument l = load_document(kExamples / (name + ".layout.json"));
    EXPECT_GE(l.document.layers().size(), 4u) << name;
    for (const Layer& layer : l.document.layers())
      EXPECT_FALSE(layer.mask.empty()) << name << " " << layer.properties.name;
    const RegionRequest request = region_request(l.document.content());
    EXPECT_EQ(request.layers.size(), l.document.layers().size()) << name;
    EXPECT_NO_THROW(validate_region_request(request)) << name;
    EXPECT_LT(std::filesystem::file_size(kExamples / (name + ".layout.json")), 200u * 1024) << name;
  }
}

// The built-in model's examples speak its world's words: every layer prompt is a class name, and the
// background prompt names every class that a layer paints. The first command opens `landscape`.
TEST(DocumentExamples, BuiltInModelExamplesUseItsClassNames) {
  std::set<std::string> classes, names;
  for (int c = 0; c < kWorldClassCount; ++c) classes.insert(world_class_name(static_cast<WorldClass>(c)));
  for (const test::ExampleLayout& example : test::example_layouts()) {
    names.insert(example.name);
    const bool builtin = example.model == test::ExampleModel::BuiltIn;
    EXPECT_EQ(builtin, example.name.rfind("sd15-", 0) != 0) << example.name;
    if (!builtin) continue;
    const DocumentContent& d = example.document.content();
    EXPECT_EQ(d.width, 512);
    EXPECT_EQ(d.height, 512);
    EXPECT_EQ(d.settings.sampler, Sampler::lcm);
    EXPECT_EQ(d.settings.steps, 5);
    EXPECT_EQ(d.settings.guidance, kBuiltInModelGuidance);
    EXPECT_EQ(d.settings.bootstrap_steps, kBuiltInModelBootstrapSteps);
    for (const Layer& layer : d.layers) {
      EXPECT_EQ(classes.count(layer.properties.prompt), 1u)
          << example.name << " " << layer.properties.name << ": \"" << layer.properties.prompt << "\"";
      EXPECT_NE(d.background.prompt.find(layer.properties.prompt), std::string::npos)
          << example.name << ": the background prompt does not name " << layer.properties.prompt;
    }
  }
  for (const char* name :
       {"landscape", "coast", "village", "winter", "sd15-landscape", "sd15-portrait", "sd15-still-life"})
    EXPECT_EQ(names.count(name), 1u) << name;
}

}  // namespace
}  // namespace palette
