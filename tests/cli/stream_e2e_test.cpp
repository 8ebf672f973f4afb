// `palette stream` as a user runs it: a layout saved by the document code goes through the real-time
// engine, the frames land as PNGs of the canvas size and the frame rate is reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "palette/document.h"
#include "palette/document_file.h"
#include "palette/image.h"
#include "palette/infotext.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::run_cli;

// A 64×64 layout: sea under a sky, with a boat painted on the sea.
std::filesystem::path save_small_layout(const std::filesystem::path& folder) {
  Document doc(64, 64);
  LayerProperties sea;
  sea.name = "sea";
  sea.color = *parse_color("#2050c0");
  sea.prompt = "a stormy sea";
  const LayerId sea_id = doc.add_layer(sea);
  doc.flood_fill(sea_id, 0, 0);
  LayerProperties boat = sea;
  boat.name = "boat";
  boat.color = *parse_color("#c08020");
  boat.prompt = "a small sailing boat";
  const LayerId boat_id = doc.add_layer(boat);
  doc.begin_stroke(boat_id, {.diameter = 20});
  doc.stroke_to(20, 40);
  doc.stroke_to(44, 40);
  doc.end_stroke();
  Background bg;
  bg.prompt = "a grey sky";
  doc.set_background(bg);
  GenerationSettings settings;
  settings.seed = 3;
  doc.set_settings(settings);
  const auto path = folder / "boat.json";
  save_document(doc, path, DocumentKind::Layout);
  return path;
}

std::string model_arg() { return "--model '" + (test::fixtures_dir() / "tiny-sd15").string() + "' --device cpu"; }

TEST(StreamE2E, WritesFramesAndReportsTheRate) {
  test::TempDir dir;
  const auto layout = save_small_layout(dir.path());
  const CliRun r = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' --frames 7 --profile -o '" +
                           (dir / "frames").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 3")) << r.output;
  EXPECT_TRUE(contains(r.output, "frames/s")) << r.output;
  EXPECT_TRUE(contains(r.output, "2 painted layers")) << r.output;
  EXPECT_TRUE(contains(r.output, "per frame: unet")) << r.output;
  for (const char* name : {"frame_00001.png", "frame_00002.png", "frame_00003.png", "frame_00007.png"}) {
    const Image frame = read_image(dir / "frames" / name);
    EXPECT_EQ(frame.width, 64);
    EXPECT_EQ(frame.height, 64);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "frames" / "frame_00008.png"));
  // A still layout gives a still picture: the same up to the rounding of the fill along the diagonal (one
  // slot per UNet call; a frame's call runs every slot), and to the bit once every slot has come from a
  // frame's call (T = 5 here: from frame 6 on).
  const auto largest_difference = [](const Image& a, const Image& b) {
    int d = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) d = std::max(d, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
    return d;
  };
  const Image second = read_image(dir / "frames" / "frame_00002.png");
  const Image third = read_image(dir / "frames" / "frame_00003.png");
  ASSERT_EQ(second.pixels.size(), third.pixels.size());
  EXPECT_LE(largest_difference(second, third), 2);
  EXPECT_EQ(read_image(dir / "frames" / "frame_00006.png").pixels,
            read_image(dir / "frames" / "frame_00007.png").pixels);
  // Every frame says how the stream made it and carries its layout, which reopens.
  const auto text = read_png_text(dir / "frames" / "frame_00002.png");
  const Infotext info = parse_infotext(text.at("parameters"));
  EXPECT_EQ(info.prompt, "a grey sky BREAK a stormy sea BREAK a small sailing boat");
  const auto field = [&](const char* key) { return info.find(key) ? *info.find(key) : "(none)"; };
  EXPECT_EQ(field("Seed"), "3");
  EXPECT_EQ(field("Regions"), "2");
  EXPECT_EQ(field("Pipeline"), "stream");
  EXPECT_EQ(field("Mode"), "multidiffusion");
  EXPECT_EQ(field("Frame"), "2");
  const LoadedDocument frame_layout = load_document(dir / "frames" / "frame_00002.png");
  DocumentContent expected = load_document(layout).document.content();
  expected.settings.model = std::filesystem::absolute(test::fixtures_dir() / "tiny-sd15").lexically_normal().string();
  EXPECT_TRUE(same_content(frame_layout.document.content(), expected));
}

TEST(StreamE2E, RegionalAttentionModeWithProfile) {
  test::TempDir dir;
  const auto layout = save_small_layout(dir.path());
  const CliRun r = run_cli("stream " + model_arg() + " --layout '" + layout.string() +
                           "' --mode regional --frames 2 --profile -o '" + (dir / "frames").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "per frame: unet")) << r.output;
  EXPECT_EQ(read_image(dir / "frames" / "frame_00002.png").width, 64);
}

// An SDXL model streams in either mode from the command line too (Euler on its stream schedule).
TEST(StreamE2E, SdxlModelStreamsInTheRegionalMode) {
  test::TempDir dir;
  const auto layout = save_small_layout(dir.path());
  const std::string sdxl = "--model '" + (test::fixtures_dir() / "tiny-sdxl").string() + "' --device cpu";
  const CliRun r = run_cli("stream " + sdxl + " --layout '" + layout.string() + "' --mode regional --frames 2 -o '" +
                           (dir / "frames").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  const Image frame = read_image(dir / "frames" / "frame_00002.png");
  EXPECT_EQ(frame.width, 64);
  const Infotext info = parse_infotext(read_png_text(dir / "frames" / "frame_00002.png").at("parameters"));
  ASSERT_TRUE(info.find("Mode")) << r.output;
  EXPECT_EQ(*info.find("Mode"), "regional");
}

// -W/-H set the live canvas apart from the layout's (its masks are resized); progress is printed.
TEST(StreamE2E, SizeFlagsAndProgress) {
  test::TempDir dir;
  const auto layout = save_small_layout(dir.path());
  const CliRun r = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' -W 96 -H 64 --frames 1 -o '" +
                           (dir / "frames").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "filling the stream")) << r.output;
  EXPECT_TRUE(contains(r.output, "frame 1/1")) << r.output;
  const Image frame = read_image(dir / "frames" / "frame_00001.png");
  EXPECT_EQ(frame.width, 96);
  EXPECT_EQ(frame.height, 64);
  const CliRun bad = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' -W 100 -o '" +
                             (dir / "bad").string() + "'");
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(contains(bad.output, "--width 100 must be a multiple of 8")) << bad.output;
}

TEST(StreamE2E, BadArgumentsAreNamed) {
  test::TempDir dir;
  const auto layout = save_small_layout(dir.path());
  const std::string out = " -o '" + (dir / "frames").string() + "'";
  CliRun r = run_cli("stream " + model_arg() + " --layout '" + (dir / "missing.json").string() + "'" + out);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "missing.json")) << r.output;
  r = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' --frames 0" + out);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "--frames 0")) << r.output;
  r = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' --decoder jpeg" + out);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "--decoder")) << r.output;
  r = run_cli("stream " + model_arg() + " --layout '" + layout.string() + "' --mode fast" + out);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "--mode: unknown mode 'fast'")) << r.output;
  r = run_cli("stream --layout '" + layout.string() + "'" + out, "PALETTE_ASSETS=/nonexistent");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "the built-in default model is missing: '/nonexistent/default-model'")) << r.output;
}

}  // namespace
}  // namespace palette
