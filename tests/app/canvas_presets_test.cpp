#include "app/canvas_presets.h"

#include <gtest/gtest.h>

#include "palette/document.h"

namespace palette::app {
namespace {

TEST(CanvasPresets, TheIssuesSizesAllValidCanvases) {
  const auto& p = canvas_presets();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].width, 512);
  EXPECT_EQ(p[0].height, 512);
  EXPECT_EQ(p[1].width, 768);
  EXPECT_EQ(p[2].width, 1024);
  EXPECT_EQ(p[3].width * 9, p[3].height * 16) << "16:9";
  EXPECT_EQ(p[4].width * 16, p[4].height * 9) << "9:16";
  for (const CanvasPreset& c : p) {
    EXPECT_EQ(c.width % 64, 0) << c.label;
    EXPECT_EQ(c.height % 64, 0) << c.label;
    EXPECT_NO_THROW(Document(c.width, c.height)) << c.label;
  }
}

TEST(CanvasPresets, IndexAndParse) {
  EXPECT_EQ(preset_index(768, 768), 1u);
  EXPECT_EQ(preset_index(576, 1024), 4u);
  EXPECT_FALSE(preset_index(640, 480));
  EXPECT_EQ(parse_size("1024x576"), std::make_pair(1024, 576));
  EXPECT_FALSE(parse_size("1024x"));
  EXPECT_FALSE(parse_size("1024x576x2"));
  EXPECT_FALSE(parse_size("-8x8"));
}

}  // namespace
}  // namespace palette::app
