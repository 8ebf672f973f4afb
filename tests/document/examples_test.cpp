// The example palettes and layouts in assets/examples: they load, they are what their generator
// paints (set PALETTE_WRITE_EXAMPLES=1 to write them again after a deliberate change), and they
// make valid render requests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "example_layouts.h"
#include "palette/document_file.h"
#include "palette/layout_render.h"

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
  for (const char* name : {"landscape", "portrait", "still-life"}) {
    const LoadedDocument l = load_document(kExamples / (std::string(name) + ".layout.json"));
    EXPECT_GE(l.document.layers().size(), 4u) << name;
    for (const Layer& layer : l.document.layers())
      EXPECT_FALSE(layer.mask.empty()) << name << " " << layer.properties.name;
    const RegionRequest request = region_request(l.document.content());
    EXPECT_EQ(request.layers.size(), l.document.layers().size()) << name;
    EXPECT_NO_THROW(validate_region_request(request)) << name;
    EXPECT_LT(std::filesystem::file_size(kExamples / (std::string(name) + ".layout.json")), 200u * 1024)
        << name;
  }
}

}  // namespace
}  // namespace palette
