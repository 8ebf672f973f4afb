// palette::Document — the document the app edits: layers, masks, background and settings, with
// undo/redo. Every edit is one undo step; a brush stroke (begin_stroke … stroke_to … end_stroke) is
// one step however many segments it has, and records only the 64×64 tiles it changed.
//
//   palette::Document doc(512, 512);
//   palette::LayerProperties p;
//   p.name = "house";
//   p.color = *palette::parse_color("#c03020");
//   p.prompt = "a red house";
//   palette::LayerId house = doc.add_layer(p);
//   doc.begin_stroke(house, {.diameter = 40, .hardness = 0.8});
//   doc.stroke_to(100, 100);
//   doc.stroke_to(180, 120);                 // publish doc.snapshot() here for live rendering
//   doc.end_stroke();
//   doc.undo();                              // the mask is empty again
//   std::shared_ptr<const palette::Snapshot> s = doc.snapshot();   // hand to the engine thread
//
// Ids and revisions: a layer's id never changes (undoing its removal brings back the same id);
// Layer::mask_revision is drawn from a per-document counter whenever the mask changes, and undo/redo
// restore the revision that went with the restored pixels, so equal (id, mask_revision) in two
// snapshots of one document means equal mask pixels.
// Failures: palette::Error naming the argument for invalid properties, an unknown layer id, a
// 257th layer, or a canvas size out of range; the document is unchanged when an edit throws.
// Thread safety: one thread (the UI's) owns a Document. Snapshots it returns are immutable and may be
// read on any thread for as long as the caller holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "palette/document_data.h"
#include "palette/image.h"

namespace palette {

namespace document {
class TileRecorder;
}

struct Brush {
  double diameter = 32;   // pixels, [1, 4096]
  double hardness = 0.8;  // [0, 1]: share of the radius at full strength; the rest falls off smoothly
  double opacity = 1.0;   // [0, 1]: the coverage a stroke raises pixels to (or lowers them by, erasing)
  bool erase = false;     // lower coverage instead of raising it
};

enum class FillRegion {
  LayerMask,  // pixels whose coverage in this layer is within `tolerance` of the seed pixel's
  Canvas,     // pixels showing the same region as the seed: the topmost enabled layer with coverage
              // ≥ 128 there (or none, the background), as the canvas shows them
};

struct FillOptions {
  uint8_t value = 255;  // the coverage written; 0 erases the region
  int tolerance = 0;    // [0, 255], FillRegion::LayerMask only
  FillRegion region = FillRegion::LayerMask;
};

enum class Merge {
  No,            // a new undo step
  WithPrevious,  // fold into the previous step if it edited the same thing (e.g. a slider drag)
};

struct HistoryOptions {
  size_t max_steps = 200;  // older steps are forgotten (≥ 1)
};

class Document {
 public:
  // An empty document (no layers, default settings). Throws palette::Error for a canvas side that is
  // not a multiple of 8 in [64, kMaxImageSide].
  explicit Document(int width = 512, int height = 512, HistoryOptions history = {});
  // A document holding `content` (as read from a file); layer ids and mask revisions are assigned
  // anew. Throws palette::Error as validate_content does.
  explicit Document(DocumentContent content, HistoryOptions history = {});
  ~Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;  // ids and revisions must stay unique to one document
  Document& operator=(const Document&) = delete;

  const DocumentContent& content() const { return content_; }
  int width() const { return content_.width; }
  int height() const { return content_.height; }
  const std::vector<Layer>& layers() const { return content_.layers; }
  const Layer& layer(LayerId id) const;              // throws palette::Error for an unknown id
  std::optional<size_t> index_of(LayerId id) const;  // bottom = 0; nullopt for an unknown id
  uint64_t version() const { return version_; }      // increases with every change, undo included
  uint64_t document_id() const { return document_id_; }

  // The current state, immutable and shared with the caller; the same object until the next change,
  // so calling this after every event is cheap. During a stroke it shows the pixels painted so far.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Layer edits; each is one undo step. `index` is the position from the bottom (nullopt = top).
  LayerId add_layer(const LayerProperties& properties, std::optional<size_t> index = std::nullopt);
  void remove_layer(LayerId id);
  void move_layer(LayerId id, size_t index);  // index clamped to the top
  LayerId duplicate_layer(LayerId id);        // placed above the original, named "<name> copy"
  void set_layer_properties(LayerId id, const LayerProperties& properties, Merge merge = Merge::No);
  void set_background(const Background& background, Merge merge = Merge::No);
  void set_settings(const GenerationSettings& settings, Merge merge = Merge::No);

  // Painting. A stroke paints round dabs swept continuously from point to point. Any other edit,
  // undo or redo ends a stroke in progress first. Coordinates are canvas pixels (pixel (x, y) spans
  // [x, x + 1) × [y, y + 1)) and may lie outside the canvas.
  void begin_stroke(LayerId id, const Brush& brush);  // throws for an unknown id or a bad brush
  void stroke_to(double x, double y);                 // the first point paints one dab
  void end_stroke();                                  // one undo step if any pixel changed
  bool stroking() const { return stroke_ != nullptr; }

  // Whole-mask edits: one undo step each, none when nothing changes; return whether pixels changed.
  bool flood_fill(LayerId id, int x, int y, const FillOptions& options = {});  // false outside canvas
  bool clear_mask(LayerId id);
  bool set_mask_from_image(LayerId id, const Image& image);  // as Mask::from_image, canvas-sized

  bool can_undo() const;
  bool can_redo() const;
  std::string undo_label() const;  // e.g. "Stroke on 'sky'"; "" when there is nothing to undo
  std::string redo_label() const;
  bool undo();  // false when there is nothing to undo
  bool redo();

 private:
  struct Stroke;
  class History;
  void changed();
  void finish_stroke();
  Layer& layer_ref(LayerId id);
  uint64_t new_revision() { return next_revision_++; }
  bool record_mask_edit(
      LayerId id, const std::string& label,
      const std::function<void(std::vector<Layer>&, size_t, document::TileRecorder&)>& edit);

  DocumentContent content_;
  std::unique_ptr<History> history_;
  std::unique_ptr<Stroke> stroke_;
  uint64_t document_id_ = 0;
  uint64_t version_ = 1;
  LayerId next_layer_id_ = 1;
  uint64_t next_revision_ = 1;
  mutable std::shared_ptr<const Snapshot> snapshot_;  // cache for the current version
};

}  // namespace palette
