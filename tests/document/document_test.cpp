// Document edits with undo/redo, layer ids and mask revisions, and snapshots.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "document_test_util.h"
#include "palette/document.h"
#include "palette/error.h"

namespace palette {
namespace {

using test::layer_properties;

std::vector<std::string> names(const Document& doc) {
  std::vector<std::string> out;
  for (const Layer& l : doc.layers()) out.push_back(l.properties.name);
  return out;
}

using Names = std::vector<std::string>;

void paint(Document& doc, LayerId id, double x, double y) {
  doc.begin_stroke(id, {.diameter = 16});
  doc.stroke_to(x, y);
  doc.end_stroke();
}

TEST(DocumentHistory, CanvasSizeIsChecked) {
  EXPECT_THROW(Document(100, 64), Error);
  EXPECT_THROW(Document(32, 64), Error);
  EXPECT_NO_THROW(Document(64, 72));
}

TEST(DocumentHistory, AddRemoveMoveDuplicateUndoRedo) {
  Document doc(128, 128);
  const LayerId a = doc.add_layer(layer_properties("a"));
  const LayerId b = doc.add_layer(layer_properties("b"));
  const LayerId c = doc.add_layer(layer_properties("c"), 0);
  EXPECT_EQ(names(doc), (Names{"c", "a", "b"}));
  doc.move_layer(c, 5);  // clamped to the top
  EXPECT_EQ(names(doc), (Names{"a", "b", "c"}));
  const LayerId a2 = doc.duplicate_layer(a);
  EXPECT_EQ(names(doc), (Names{"a", "a copy", "b", "c"}));
  doc.remove_layer(b);
  EXPECT_EQ(names(doc), (Names{"a", "a copy", "c"}));
  const std::vector<Names> history = {{"c", "a", "b"}, {"a", "b", "c"}, {"a", "a copy", "b", "c"}};
  for (int i = 2; i >= 0; --i) {
    ASSERT_TRUE(doc.undo());
    EXPECT_EQ(names(doc), history[i]);
  }
  EXPECT_EQ(doc.index_of(b), 2u);  // the removed layer is back with its id
  EXPECT_FALSE(doc.index_of(a2).has_value());
  while (doc.redo()) {
  }
  EXPECT_EQ(names(doc), (Names{"a", "a copy", "c"}));
  EXPECT_EQ(doc.index_of(a2), 1u);  // the duplicate comes back with its id too
  while (doc.undo()) {
  }
  EXPECT_TRUE(doc.layers().empty());
  EXPECT_FALSE(doc.can_undo());
}

TEST(DocumentHistory, UnknownIdsAndBadValuesChangeNothing) {
  Document doc(128, 128);
  const LayerId a = doc.add_layer(layer_properties("a"));
  const uint64_t version = doc.version();
  EXPECT_THROW(doc.remove_layer(a + 1), Error);
  EXPECT_THROW(doc.move_layer(a + 1, 0), Error);
  LayerProperties bad = layer_properties("a");
  bad.prompt_strength = 1.5;
  try {
    doc.set_layer_properties(a, bad);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "layer.prompt_strength 1.5 must be in [0, 1]");
  }
  bad = layer_properties("a");
  bad.prompt.assign(kMaxPromptBytes + 1, 'x');
  EXPECT_THROW(doc.add_layer(bad), Error);
  GenerationSettings settings;
  settings.steps = 0;
  EXPECT_THROW(doc.set_settings(settings), Error);
  EXPECT_EQ(doc.version(), version);
  EXPECT_EQ(doc.layers().size(), 1u);
  EXPECT_EQ(doc.undo_label(), "Add layer 'a'");
}

TEST(DocumentHistory, LayerLimit) {
  Document doc(64, 64);
  for (size_t i = 0; i < kMaxLayers; ++i) doc.add_layer(layer_properties("l"));
  EXPECT_THROW(doc.add_layer(layer_properties("one too many")), Error);
  EXPECT_THROW(doc.duplicate_layer(doc.layers()[0].id), Error);
}

TEST(DocumentHistory, PropertyBackgroundAndSettingsEdits) {
  Document doc(128, 128);
  const LayerId a = doc.add_layer(layer_properties("a"));
  LayerProperties p = doc.layer(a).properties;
  p.prompt = "a cat";
  p.enabled = false;
  doc.set_layer_properties(a, p);
  Background bg;
  bg.prompt = "a meadow";
  doc.set_background(bg);
  GenerationSettings s;
  s.seed = 42;
  doc.set_settings(s);
  EXPECT_EQ(doc.undo_label(), "Edit settings");
  doc.undo();
  EXPECT_FALSE(doc.content().settings.seed.has_value());
  doc.undo();
  EXPECT_EQ(doc.content().background.prompt, "");
  doc.undo();
  EXPECT_EQ(doc.layer(a).properties.prompt, "a prompt");
  EXPECT_TRUE(doc.layer(a).properties.enabled);
  doc.redo();
  EXPECT_EQ(doc.layer(a).properties.prompt, "a cat");
}

TEST(DocumentHistory, SliderDragsMergeIntoOneStep) {
  Document doc(128, 128);
  const LayerId a = doc.add_layer(layer_properties("a"));
  LayerProperties p = doc.layer(a).properties;
  for (int i = 1; i <= 10; ++i) {
    p.prompt_strength = 1.0 - i * 0.05;
    doc.set_layer_properties(a, p, Merge::WithPrevious);
  }
  EXPECT_DOUBLE_EQ(doc.layer(a).properties.prompt_strength, 0.5);
  doc.undo();
  EXPECT_DOUBLE_EQ(doc.layer(a).properties.prompt_strength, 1.0);
  doc.redo();
  EXPECT_DOUBLE_EQ(doc.layer(a).properties.prompt_strength, 0.5);
  doc.undo();
  doc.undo();
  EXPECT_TRUE(doc.layers().empty());
}

TEST(DocumentHistory, OldStepsAreForgotten) {
  Document doc(64, 64, {.max_steps = 3});
  for (int i = 0; i < 5; ++i) doc.add_layer(layer_properties("l" + std::to_string(i)));
  int undone = 0;
  while (doc.undo()) ++undone;
  EXPECT_EQ(undone, 3);
  EXPECT_EQ(names(doc), (Names{"l0", "l1"}));
}

TEST(DocumentHistory, NewEditDropsRedo) {
  Document doc(64, 64);
  doc.add_layer(layer_properties("a"));
  doc.undo();
  EXPECT_TRUE(doc.can_redo());
  doc.add_layer(layer_properties("b"));
  EXPECT_FALSE(doc.can_redo());
}

TEST(DocumentHistory, UndoDuringAStrokeUndoesTheStroke) {
  Document doc(128, 128);
  const LayerId a = doc.add_layer(layer_properties("a"));
  doc.begin_stroke(a, {.diameter = 10});
  doc.stroke_to(20, 20);
  EXPECT_EQ(doc.undo_label(), "Stroke on 'a'");
  EXPECT_TRUE(doc.undo());
  EXPECT_FALSE(doc.stroking());
  EXPECT_TRUE(doc.layer(a).mask.empty());
  EXPECT_EQ(doc.layers().size(), 1u);
}

TEST(DocumentSnapshot, SameObjectUntilTheNextChange) {
  Document doc(128, 128);
  const auto s1 = doc.snapshot();
  EXPECT_EQ(doc.snapshot(), s1);
  doc.add_layer(layer_properties("a"));
  const auto s2 = doc.snapshot();
  EXPECT_NE(s2, s1);
  EXPECT_GT(s2->version, s1->version);
  EXPECT_EQ(s1->layers.size(), 0u);  // the old snapshot is unchanged
  doc.undo();
  EXPECT_GT(doc.snapshot()->version, s2->version);  // versions only grow, undo included
  EXPECT_EQ(s2->document_id, doc.document_id());
  EXPECT_NE(Document(128, 128).document_id(), doc.document_id());
}

TEST(DocumentSnapshot, SharesTilesAndStaysImmutable) {
  Document doc(512, 512);
  const LayerId a = doc.add_layer(layer_properties("a"));
  const LayerId b = doc.add_layer(layer_properties("b"));
  paint(doc, a, 100, 100);
  paint(doc, b, 400, 400);
  const auto s1 = doc.snapshot();
  for (size_t l = 0; l < 2; ++l)
    EXPECT_EQ(test::tiles_not_shared(s1->layers[l].mask, doc.layers()[l].mask), 0);
  const Image a_before = s1->layers[0].mask.to_image();
  // Painting mid-stroke after a snapshot: the snapshot keeps its pixels, the tile is copied.
  doc.begin_stroke(a, {.diameter = 16});
  doc.stroke_to(104, 100);
  const auto s2 = doc.snapshot();
  doc.stroke_to(120, 100);
  doc.end_stroke();
  EXPECT_EQ(s1->layers[0].mask.to_image().pixels, a_before.pixels);
  EXPECT_NE(s2->layers[0].mask, doc.layer(a).mask);  // s2 holds the stroke as it was then
  EXPECT_EQ(test::tiles_not_shared(s1->layers[0].mask, doc.layer(a).mask), 1);
  EXPECT_EQ(test::tiles_not_shared(s1->layers[1].mask, doc.layer(b).mask), 0);
}

// The engine's side of a live session: another thread reads every published snapshot twice while
// the UI thread keeps painting; a snapshot's pixels never change under it.
TEST(DocumentSnapshot, ReadableOnAnotherThreadWhilePainting) {
  Document doc(256, 256);
  const LayerId a = doc.add_layer(layer_properties("a"));
  std::mutex mutex;
  std::shared_ptr<const Snapshot> published = doc.snapshot();
  std::atomic<bool> done{false};
  std::atomic<int> checked{0}, changed_under_reader{0};
  std::thread engine([&] {
    while (!done) {
      std::shared_ptr<const Snapshot> s;
      {
        std::lock_guard<std::mutex> lock(mutex);
        s = published;
      }
      const Image first = s->layers[0].mask.to_image();
      std::this_thread::yield();
      if (s->layers[0].mask.to_image().pixels != first.pixels) ++changed_under_reader;
      ++checked;
    }
  });
  doc.begin_stroke(a, {.diameter = 24, .hardness = 0.5});
  for (int i = 0; i < 400; ++i) {
    doc.stroke_to(20 + (i * 37) % 220, 20 + (i * 53) % 220);
    std::lock_guard<std::mutex> lock(mutex);
    published = doc.snapshot();
  }
  doc.end_stroke();
  while (checked < 20) std::this_thread::yield();
  done = true;
  engine.join();
  EXPECT_EQ(changed_under_reader, 0);
}

TEST(DocumentSnapshot, MaskRevisionsFollowMaskChangesOnly) {
  Document doc(256, 256);
  const LayerId a = doc.add_layer(layer_properties("a"));
  const LayerId b = doc.add_layer(layer_properties("b"));
  const uint64_t a0 = doc.layer(a).mask_revision, b0 = doc.layer(b).mask_revision;
  EXPECT_NE(a0, b0);
  paint(doc, a, 50, 50);
  const uint64_t a1 = doc.layer(a).mask_revision;
  EXPECT_NE(a1, a0);
  EXPECT_EQ(doc.layer(b).mask_revision, b0);
  LayerProperties p = doc.layer(a).properties;
  p.prompt = "changed";
  doc.set_layer_properties(a, p);
  EXPECT_EQ(doc.layer(a).mask_revision, a1);  // a property edit leaves the mask's revision
  doc.undo();
  doc.undo();                                 // the stroke
  EXPECT_EQ(doc.layer(a).mask_revision, a0);  // same pixels, same revision
  doc.redo();
  EXPECT_EQ(doc.layer(a).mask_revision, a1);
  const LayerId c = doc.duplicate_layer(a);
  EXPECT_NE(c, a);
  EXPECT_NE(doc.layer(c).mask_revision, a1);
  EXPECT_EQ(doc.layer(c).mask, doc.layer(a).mask);
  doc.move_layer(a, 2);
  EXPECT_EQ(doc.layer(a).mask_revision, a1);
  paint(doc, b, 200, 200);
  EXPECT_EQ(doc.layer(a).mask_revision, a1);
}

TEST(DocumentSnapshot, ContentConstructorAssignsFreshIds) {
  DocumentContent content;
  content.width = content.height = 64;
  for (int i = 0; i < 3; ++i) content.layers.push_back({7, layer_properties("x"), Mask(64, 64), 7});
  const Document doc(content);
  EXPECT_NE(doc.layers()[0].id, doc.layers()[1].id);
  EXPECT_NE(doc.layers()[1].mask_revision, doc.layers()[2].mask_revision);
  content.layers[1].mask = Mask(64, 128);
  try {
    Document bad(content);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "layers[1].mask: 64×128 does not match the canvas 64×64");
  }
}

}  // namespace
}  // namespace palette
