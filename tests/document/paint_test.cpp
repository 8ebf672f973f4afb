// Painting: the brush profile, strokes, eraser, fills, clearing and masks from images, each checked
// against values computed here from the documented definitions, and undone to the exact pixels.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "document_test_util.h"
#include "palette/document.h"
#include "palette/error.h"

namespace palette {
namespace {

// The profile as documented in Brush / brush.h: R = d/2, band w = clamp(R(1 − h), min(1, R), R),
// 1 within R − w, smoothstep((R − dist) / w) in the band, 0 from R.
double expected_profile(double diameter, double hardness, double dist) {
  const double r = diameter / 2;
  const double w = std::min(std::max(r * (1 - hardness), std::min(1.0, r)), r);
  if (dist >= r) return 0;
  if (dist <= r - w) return 1;
  const double s = (r - dist) / w;
  return s * s * (3 - 2 * s);
}

struct Canvas {
  Document doc{512, 512};
  LayerId id = doc.add_layer(test::layer_properties("paint"));
  const Mask& mask() const { return doc.layer(id).mask; }
};

TEST(DocumentPaint, DabMatchesTheBrushProfile) {
  for (const double hardness : {1.0, 0.5, 0.0}) {
    Canvas c;
    c.doc.begin_stroke(c.id, {.diameter = 21, .hardness = hardness});
    c.doc.stroke_to(100.5, 100.5);  // the centre of pixel (100, 100)
    c.doc.end_stroke();
    for (int y = 85; y < 116; ++y)
      for (int x = 85; x < 116; ++x) {
        const double dist = std::hypot(x - 100.0, y - 100.0);
        const int expected = int(std::lround(255 * expected_profile(21, hardness, dist)));
        ASSERT_EQ(c.mask().at(x, y), expected) << "hardness " << hardness << " at " << x << "," << y;
      }
    EXPECT_EQ(c.mask().at(100, 100), 255);
    EXPECT_EQ(c.mask().at(111, 100), 0);  // 11 > R = 10.5
  }
}

TEST(DocumentPaint, HardDabCoversTheDisc) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 40, .hardness = 1});
  c.doc.stroke_to(256, 256);
  c.doc.end_stroke();
  // R = 20 and a 1-pixel band: full within 19 of (256, 256), nothing from 20 on.
  for (int y = 200; y < 312; ++y)
    for (int x = 200; x < 312; ++x) {
      const double d = std::hypot(x + 0.5 - 256, y + 0.5 - 256);
      if (d <= 19) {
        ASSERT_EQ(c.mask().at(x, y), 255) << x << "," << y;
      }
      if (d >= 20) {
        ASSERT_EQ(c.mask().at(x, y), 0) << x << "," << y;
      }
    }
}

TEST(DocumentPaint, StrokeIsTheSweptBrushWithoutBuildUp) {
  // The same line sampled with 2 and with 301 points gives the same pixels: dabs combine by maximum.
  Canvas coarse, fine;
  const Brush soft{.diameter = 15, .hardness = 0.3, .opacity = 0.8};
  coarse.doc.begin_stroke(coarse.id, soft);
  coarse.doc.stroke_to(50, 200.5);
  coarse.doc.stroke_to(350, 200.5);
  coarse.doc.end_stroke();
  fine.doc.begin_stroke(fine.id, soft);
  for (int i = 0; i <= 300; ++i) fine.doc.stroke_to(50 + i, 200.5);
  fine.doc.end_stroke();
  EXPECT_EQ(coarse.mask(), fine.mask());
  // Along the line, away from the ends: the profile of the distance to the line.
  for (int dy = -8; dy <= 8; ++dy)
    EXPECT_EQ(coarse.mask().at(200, 200 + dy),
              int(std::lround(255 * 0.8 * expected_profile(15, 0.3, std::abs(dy)))));
}

TEST(DocumentPaint, EraserLowersCoverage) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 100, .hardness = 1});
  c.doc.stroke_to(256, 256);
  c.doc.end_stroke();
  c.doc.begin_stroke(c.id, {.diameter = 10, .hardness = 1, .opacity = 1, .erase = true});
  c.doc.stroke_to(256, 256);
  c.doc.end_stroke();
  EXPECT_EQ(c.mask().at(256, 256), 0);
  EXPECT_EQ(c.mask().at(256, 280), 255);
  c.doc.begin_stroke(c.id, {.diameter = 10, .hardness = 1, .opacity = 0.5, .erase = true});
  c.doc.stroke_to(256, 280.5);
  c.doc.end_stroke();
  EXPECT_EQ(c.mask().at(256, 280), 127);  // 255 − round(127.5)
}

TEST(DocumentPaint, OpacityCapsCoverage) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 10, .hardness = 1, .opacity = 0.5});
  c.doc.stroke_to(20.5, 20.5);
  c.doc.stroke_to(20.5, 20.5);  // painting again raises nothing
  c.doc.end_stroke();
  EXPECT_EQ(c.mask().at(20, 20), 128);
}

TEST(DocumentPaint, StrokeChangesOnlyTheTilesUnderTheBrush) {
  Canvas c;
  const auto before = c.doc.snapshot();
  c.doc.begin_stroke(c.id, {.diameter = 20, .hardness = 1});
  c.doc.stroke_to(96, 96);  // the disc spans 86…106: tile (1, 1) only
  c.doc.end_stroke();
  EXPECT_EQ(test::tiles_not_shared(before->layers[0].mask, c.mask()), 1);
  EXPECT_NE(c.mask().tile(1 * 8 + 1), nullptr);
  // A diagonal stroke across the canvas: only tiles on or beside the diagonal.
  const auto mid = c.doc.snapshot();
  c.doc.begin_stroke(c.id, {.diameter = 8, .hardness = 1});
  c.doc.stroke_to(10, 10);
  c.doc.stroke_to(500, 500);
  c.doc.end_stroke();
  int changed = 0;
  for (int i = 0; i < 64; ++i) {
    if (mid->layers[0].mask.shared_tile(i) == c.mask().shared_tile(i)) continue;
    ++changed;
    EXPECT_LE(std::abs(i % 8 - i / 8), 1) << "tile " << i;
  }
  EXPECT_GE(changed, 8);
  EXPECT_LE(changed, 8 + 2 * 7);
}

TEST(DocumentPaint, UndoAndRedoRestoreExactPixels) {
  Canvas c;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> pos(-20, 532);
  std::vector<Image> states = {c.mask().to_image()};
  for (int s = 0; s < 6; ++s) {
    c.doc.begin_stroke(c.id, {.diameter = 5.0 + s * 9, .hardness = 0.2 * s, .opacity = 1, .erase = s == 4});
    for (int p = 0; p < 5; ++p) c.doc.stroke_to(pos(rng), pos(rng));
    c.doc.end_stroke();
    states.push_back(c.mask().to_image());
  }
  for (int s = 6; s > 0; --s) {
    ASSERT_TRUE(c.doc.undo());
    ASSERT_EQ(c.mask().to_image().pixels, states[s - 1].pixels) << "after undoing stroke " << s;
  }
  EXPECT_TRUE(c.mask().empty());
  for (int s = 1; s <= 6; ++s) {
    ASSERT_TRUE(c.doc.redo());
    ASSERT_EQ(c.mask().to_image().pixels, states[s].pixels) << "after redoing stroke " << s;
  }
}

TEST(DocumentPaint, UndoRestoresTheVeryTiles) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 30});
  c.doc.stroke_to(300, 300);
  c.doc.end_stroke();
  const auto before = c.doc.snapshot();
  c.doc.begin_stroke(c.id, {.diameter = 30});
  c.doc.stroke_to(310, 300);
  c.doc.end_stroke();
  c.doc.undo();
  EXPECT_EQ(test::tiles_not_shared(before->layers[0].mask, c.mask()), 0);
}

TEST(DocumentPaint, StrokeThatChangesNothingIsNoUndoStep) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 30, .erase = true});
  c.doc.stroke_to(100, 100);
  c.doc.end_stroke();
  EXPECT_FALSE(c.doc.undo_label().rfind("Stroke", 0) == 0);
  c.doc.begin_stroke(c.id, {.diameter = 30});
  c.doc.stroke_to(-100, -100);  // entirely outside the canvas
  c.doc.end_stroke();
  EXPECT_EQ(c.doc.undo_label(), "Add layer 'paint'");
}

TEST(DocumentPaint, BadBrushIsRefused) {
  Canvas c;
  EXPECT_THROW(c.doc.begin_stroke(c.id, {.diameter = 0}), Error);
  EXPECT_THROW(c.doc.begin_stroke(c.id, {.diameter = 10, .hardness = 1.5}), Error);
  EXPECT_THROW(c.doc.begin_stroke(c.id + 100, {}), Error);
  EXPECT_FALSE(c.doc.stroking());
}

// A ring: coverage 255 where 40 ≤ distance from (200, 200) < 46.
Image ring() {
  return test::gray_image(512, 512, [](int x, int y) {
    const double d = std::hypot(x - 200.0, y - 200.0);
    return d >= 40 && d < 46 ? 255 : 0;
  });
}

TEST(DocumentPaint, FloodFillStaysInsideTheLayersOwnShape) {
  Canvas c;
  ASSERT_TRUE(c.doc.set_mask_from_image(c.id, ring()));
  const auto before = c.doc.snapshot();
  ASSERT_TRUE(c.doc.flood_fill(c.id, 200, 200, {.value = 180}));
  for (int y = 140; y < 260; ++y)
    for (int x = 140; x < 260; ++x) {
      const double d = std::hypot(x - 200.0, y - 200.0);
      const int expected = d < 40 ? 180 : d < 46 ? 255 : 0;
      ASSERT_EQ(c.mask().at(x, y), expected) << x << "," << y;
    }
  // The disc of radius 40 around (200, 200) lies in tiles x, y ∈ 2…3 only.
  EXPECT_EQ(test::tiles_not_shared(before->layers[0].mask, c.mask()), 4);
  c.doc.undo();
  EXPECT_EQ(c.mask(), before->layers[0].mask);
}

TEST(DocumentPaint, FloodFillIsFourConnected) {
  Canvas c;
  // A one-pixel diagonal x + y = 300 blocks 4-connected paths but not 8-connected ones.
  ASSERT_TRUE(c.doc.set_mask_from_image(
      c.id, test::gray_image(512, 512, [](int x, int y) { return x + y == 300 ? 255 : 0; })));
  ASSERT_TRUE(c.doc.flood_fill(c.id, 0, 0));
  EXPECT_EQ(c.mask().at(149, 150), 255);  // x + y = 299
  EXPECT_EQ(c.mask().at(151, 150), 0);    // x + y = 301: across the diagonal
  EXPECT_EQ(c.mask().at(511, 511), 0);
}

TEST(DocumentPaint, FloodFillTolerance) {
  Canvas c;
  ASSERT_TRUE(c.doc.set_mask_from_image(c.id, test::gray_image(512, 512, [](int x, int) { return x / 2; })));
  ASSERT_TRUE(c.doc.flood_fill(c.id, 100, 5, {.value = 0, .tolerance = 10}));  // seed 50: 40…60
  EXPECT_EQ(c.mask().at(79, 300), 39);
  EXPECT_EQ(c.mask().at(80, 300), 0);
  EXPECT_EQ(c.mask().at(121, 300), 0);
  EXPECT_EQ(c.mask().at(122, 300), 61);
}

TEST(DocumentPaint, CanvasFillTakesTheRegionTheCanvasShows) {
  Document doc(256, 256);
  const LayerId left = doc.add_layer(test::layer_properties("left"));
  const LayerId hidden = doc.add_layer(test::layer_properties("hidden"));
  const LayerId target = doc.add_layer(test::layer_properties("target"));
  doc.set_mask_from_image(left, test::gray_image(256, 256, [](int x, int) { return x < 100 ? 255 : 0; }));
  doc.set_mask_from_image(hidden, test::gray_image(256, 256, [](int, int y) { return y < 50 ? 255 : 0; }));
  LayerProperties off = doc.layer(hidden).properties;
  off.enabled = false;  // disabled layers do not show on the canvas
  doc.set_layer_properties(hidden, off);
  ASSERT_TRUE(doc.flood_fill(target, 200, 200, {.region = FillRegion::Canvas}));
  const Mask& m = doc.layer(target).mask;
  EXPECT_EQ(m.at(99, 10), 0);
  EXPECT_EQ(m.at(100, 10), 255);
  EXPECT_EQ(m.at(255, 255), 255);
  EXPECT_EQ(m.at(0, 255), 0);
}

TEST(DocumentPaint, FillOutsideOrUnchangedIsNoStep) {
  Canvas c;
  EXPECT_FALSE(c.doc.flood_fill(c.id, -1, 0));
  EXPECT_FALSE(c.doc.flood_fill(c.id, 10, 10, {.value = 0}));
  EXPECT_EQ(c.doc.undo_label(), "Add layer 'paint'");
  EXPECT_THROW(c.doc.flood_fill(c.id, 1, 1, {.tolerance = 300}), Error);
}

TEST(DocumentPaint, ClearAndUndo) {
  Canvas c;
  c.doc.begin_stroke(c.id, {.diameter = 50});
  c.doc.stroke_to(40, 40);
  c.doc.end_stroke();
  const Mask painted = c.mask();
  ASSERT_TRUE(c.doc.clear_mask(c.id));
  EXPECT_TRUE(c.mask().empty());
  EXPECT_FALSE(c.doc.clear_mask(c.id));
  c.doc.undo();
  EXPECT_EQ(c.mask(), painted);
}

TEST(DocumentPaint, MaskFromImageIsResizedToTheCanvas) {
  Canvas c;
  const Image small = test::gray_image(64, 64, [](int x, int) { return x < 32 ? 255 : 0; });
  ASSERT_TRUE(c.doc.set_mask_from_image(c.id, small));
  EXPECT_EQ(c.mask().at(0, 0), 255);
  EXPECT_EQ(c.mask().at(200, 500), 255);
  EXPECT_EQ(c.mask().at(300, 10), 0);
  EXPECT_THROW(c.doc.set_mask_from_image(c.id, Image{}), Error);
}

}  // namespace
}  // namespace palette
