#include "app/editor.h"

#include <gtest/gtest.h>

#include "palette/document_file.h"
#include "palette/error.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

TEST(Editor, NewDocumentHasOneCleanBrush) {
  Editor e(128, 64);
  EXPECT_EQ(e.doc().width(), 128);
  ASSERT_EQ(e.doc().layers().size(), 1u);
  EXPECT_EQ(e.selected(), e.doc().layers()[0].id);
  EXPECT_FALSE(e.dirty());
  EXPECT_FALSE(e.doc().can_undo());  // the first brush is not an edit
}

TEST(Editor, ANewDocumentRendersAsTheOpenOneButWithANewSeed) {
  Editor e(128, 64);
  GenerationSettings s = e.doc().content().settings;
  s.sampler = Sampler::lcm_stream;
  s.guidance = 1.25;
  s.bootstrap_steps = 0;
  s.seed = 7;
  s.model = "some/model";
  e.doc().set_settings(s);
  e.new_document(256, 256);
  const GenerationSettings& n = e.doc().content().settings;
  EXPECT_EQ(n.sampler, Sampler::lcm_stream);
  EXPECT_EQ(n.guidance, 1.25);
  EXPECT_EQ(n.bootstrap_steps, 0);
  EXPECT_FALSE(n.seed.has_value());
  EXPECT_EQ(n.model, "");
  EXPECT_FALSE(e.dirty());
  EXPECT_FALSE(e.doc().can_undo());
}

TEST(Editor, AStrokeIsOneUndoStepOnTheSelectedLayer) {
  Editor e(128, 128);
  ToolState t;
  t.set_size(10);
  t.set_hardness(1);
  EXPECT_TRUE(e.press(t, {20, 20}));
  e.drag({60, 20});
  EXPECT_TRUE(e.release());
  const Mask& m = e.doc().layers()[0].mask;
  EXPECT_EQ(m.at(40, 20), 255);  // on the line between the points
  EXPECT_EQ(m.at(40, 40), 0);
  EXPECT_TRUE(e.dirty());
  EXPECT_TRUE(e.undo());
  EXPECT_TRUE(e.doc().layers()[0].mask.empty());
  EXPECT_FALSE(e.doc().can_undo());
}

TEST(Editor, EraserAndFill) {
  Editor e(128, 128);
  ToolState t;
  t.set_tool(Tool::Fill);
  EXPECT_TRUE(e.press(t, {5, 5}));  // the empty canvas is one region: all of it
  EXPECT_EQ(e.doc().layers()[0].mask.at(127, 127), 255);
  t.set_tool(Tool::Eraser);
  t.set_size(8);
  t.set_hardness(1);
  e.press(t, {64, 64});
  e.release();
  EXPECT_EQ(e.doc().layers()[0].mask.at(64, 64), 0);
  EXPECT_EQ(e.doc().layers()[0].mask.at(10, 10), 255);
}

TEST(Editor, LayerCommandsKeepASelection) {
  Editor e(64, 64);
  const LayerId first = e.selected();
  const LayerId second = e.add_layer();
  EXPECT_EQ(e.selected(), second);
  EXPECT_NE(e.doc().layers()[1].properties.color, e.doc().layers()[0].properties.color);
  e.duplicate_selected();
  EXPECT_EQ(e.doc().layers().size(), 3u);
  EXPECT_EQ(e.doc().layers()[2].properties.name, e.doc().layers()[1].properties.name + " copy");
  e.remove_selected();
  EXPECT_EQ(e.selected(), second);  // the layer below takes over
  e.undo();
  e.undo();
  e.undo();  // back to one layer: the selection falls back to a layer that exists
  EXPECT_EQ(e.selected(), first);
  EXPECT_TRUE(e.select_index(0));
  EXPECT_FALSE(e.select_index(5));
}

TEST(Editor, SaveAndOpenRoundTrip) {
  test::TempDir dir;
  Editor e(64, 64);
  ToolState t;
  e.press(t, {30, 30});
  e.release();
  EXPECT_THROW(e.save("", DocumentKind::Layout), Error);  // no file yet
  e.save(dir / "a.json", DocumentKind::Layout);
  EXPECT_FALSE(e.dirty());
  EXPECT_EQ(e.path(), dir / "a.json");
  Editor other;
  other.open(dir / "a.json");
  EXPECT_TRUE(same_content(other.doc().content(), e.doc().content()));
  EXPECT_EQ(other.title(), "a.json - Semantic Palette");
}

// The bug of issue 21: "Save palette as" made the palette the open file, so the next Ctrl+S dropped masks.
TEST(Editor, SavingAPaletteCopyLeavesTheOpenLayoutAsItWas) {
  test::TempDir dir;
  Editor e(64, 64);
  ToolState t;
  e.press(t, {30, 30});
  e.release();
  e.save(dir / "a.json", DocumentKind::Layout);
  e.press(t, {10, 10});
  e.release();
  const std::string title = e.title();
  e.save_copy(dir / "a.palette.json", DocumentKind::Palette);
  EXPECT_EQ(e.path(), dir / "a.json");
  EXPECT_EQ(e.kind(), DocumentKind::Layout);
  EXPECT_TRUE(e.dirty());
  EXPECT_EQ(e.title(), title);
  EXPECT_EQ(load_document(dir / "a.palette.json").kind, DocumentKind::Palette);
  e.save("", e.kind());  // Ctrl+S: the layout, masks and all
  const LoadedDocument back = load_document(dir / "a.json");
  EXPECT_EQ(back.kind, DocumentKind::Layout);
  EXPECT_EQ(back.document.layers()[0].mask.at(10, 10), 255);
}

TEST(Editor, SavingRecordsTheModelWithoutEditingTheDocument) {
  test::TempDir dir;
  Editor e(64, 64);
  e.add_layer();
  const uint64_t version = e.doc().version();
  e.save(dir / "a.json", DocumentKind::Layout, std::string("models/sd"));
  EXPECT_EQ(load_document(dir / "a.json").document.content().settings.model, "models/sd");
  EXPECT_EQ(e.doc().version(), version) << "no undo step, no new version";
  EXPECT_FALSE(e.dirty());
  e.save("", DocumentKind::Layout);  // nullopt: the document's own (none)
  EXPECT_EQ(load_document(dir / "a.json").document.content().settings.model, "");
}

TEST(Editor, ARecoveredDocumentIsDirtyUntilSaved) {
  test::TempDir dir;
  Editor e(64, 64);
  e.recover(Document(96, 64), dir / "lake.json");
  EXPECT_EQ(e.doc().width(), 96);
  EXPECT_EQ(e.path(), dir / "lake.json");
  EXPECT_TRUE(e.dirty());
  EXPECT_EQ(e.title(), "lake.json* - Semantic Palette");
  e.save("", e.kind());
  EXPECT_FALSE(e.dirty());
}

TEST(Editor, APaintedDocumentHasLayoutContent) {
  Editor e(64, 64);
  EXPECT_FALSE(e.has_layout_content());
  ToolState t;
  e.press(t, {30, 30});
  e.release();
  EXPECT_TRUE(e.has_layout_content());
}

TEST(Editor, ABadFileLeavesTheDocumentAlone) {
  test::TempDir dir;
  test::write_raw(dir / "bad.json", "{\"format\": \"semantic-palette\", \"version\": 99}");
  Editor e(64, 64);
  e.add_layer();
  const uint64_t version = e.doc().version();
  EXPECT_THROW(e.open(dir / "bad.json"), Error);
  EXPECT_THROW(e.open(dir / "missing.json"), Error);
  EXPECT_EQ(e.doc().version(), version);
  EXPECT_EQ(e.doc().layers().size(), 2u);
  EXPECT_TRUE(e.path().empty());
}

// A picture exported from a layout reopens as that layout, untitled: saving must ask where rather than
// write JSON over the picture. A PNG without a layout, or with a broken one, leaves the document alone.
TEST(Editor, APictureOpensAsItsLayoutUntitled) {
  test::TempDir dir;
  Editor e(64, 64);
  ToolState t;
  t.set_size(10);
  t.set_hardness(1);
  EXPECT_TRUE(e.press(t, {20, 20}));
  EXPECT_TRUE(e.release());
  const Image picture{64, 64, 3, std::vector<uint8_t>(64 * 64 * 3, 50)};
  export_png(dir / "picture.png", picture, e.doc().content(), {.seed = 9});
  write_png(dir / "photo.png", picture);
  write_png(dir / "broken.png", picture, {{kLayoutPngKeyword, "{not json", true}});

  Editor other(128, 128);
  EXPECT_THROW(other.open(dir / "photo.png"), Error);
  EXPECT_THROW(other.open(dir / "broken.png"), Error);
  EXPECT_EQ(other.doc().width(), 128) << "a refused picture replaced the document";
  other.open(dir / "picture.png");
  EXPECT_TRUE(other.path().empty());
  EXPECT_EQ(other.doc().width(), 64);
  ASSERT_EQ(other.doc().layers().size(), 1u);
  EXPECT_EQ(other.doc().layers()[0].mask.at(20, 20), 255);
  EXPECT_EQ(other.doc().content().settings.seed, std::optional<uint64_t>(9));
  EXPECT_THROW(other.save("", DocumentKind::Layout), Error);  // no file yet: the app asks where
}

}  // namespace
}  // namespace palette::app
