// Document painting: strokes, fills, clearing and masks from images, each one undo step that keeps
// only the tiles it changed.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "document/brush.h"
#include "document/flood_fill.h"
#include "document/history.h"
#include "document/stroke.h"
#include "palette/document.h"
#include "palette/error.h"

namespace palette {

namespace {

Layer& find(DocumentContent& c, LayerId id) {
  for (Layer& l : c.layers)
    if (l.id == id) return l;
  throw Error("no layer with id " + std::to_string(id));  // history steps only name layers that exist
}

struct UndoRedo {
  std::function<void(DocumentContent&)> undo, redo;
};

// The undo step of a mask edit: the changed tiles and the revisions that go with either side.
UndoRedo mask_change(LayerId id, std::vector<document::TileChange> changes, uint64_t before, uint64_t after) {
  auto shared = std::make_shared<const std::vector<document::TileChange>>(std::move(changes));
  return {[id, shared, before](DocumentContent& c) {
            Layer& l = find(c, id);
            document::apply_tiles(l.mask, *shared, true);
            l.mask_revision = before;
          },
          [id, shared, after](DocumentContent& c) {
            Layer& l = find(c, id);
            document::apply_tiles(l.mask, *shared, false);
            l.mask_revision = after;
          }};
}

}  // namespace

void Document::begin_stroke(LayerId id, const Brush& brush) {
  const Layer& target = layer(id);
  document::validate_brush(brush);
  finish_stroke();
  stroke_ = std::make_unique<Stroke>();
  stroke_->layer = id;
  stroke_->brush = brush;
  stroke_->revision_before = target.mask_revision;
}

void Document::stroke_to(double x, double y) {
  if (stroke_ == nullptr) return;
  Layer& target = layer_ref(stroke_->layer);
  Stroke& s = *stroke_;
  const double x0 = s.has_point ? s.x : x;
  const double y0 = s.has_point ? s.y : y;
  s.has_point = true;
  s.x = x;
  s.y = y;
  if (document::paint_segment(target.mask, s.recorder, s.brush, x0, y0, x, y)) {
    target.mask_revision = new_revision();
    changed();
  }
}

void Document::end_stroke() {
  finish_stroke();
}

void Document::finish_stroke() {
  if (stroke_ == nullptr) return;
  const std::unique_ptr<Stroke> s = std::move(stroke_);
  Layer& target = layer_ref(s->layer);
  std::vector<document::TileChange> changes = s->recorder.finish(target.mask);
  if (changes.empty()) {
    // Possible only when the stroke's writes cancelled out: the pixels are those of the old revision.
    if (target.mask_revision != s->revision_before) {
      target.mask_revision = s->revision_before;
      changed();
    }
    return;
  }
  UndoRedo step = mask_change(s->layer, std::move(changes), s->revision_before, target.mask_revision);
  history_->push(
      {"Stroke on '" + target.properties.name + "'", "", std::move(step.undo), std::move(step.redo)}, false);
  // No changed(): the pixels were published as they were painted; closing the step changes none.
}

bool Document::record_mask_edit(
    LayerId id, const std::string& label,
    const std::function<void(std::vector<Layer>&, size_t, document::TileRecorder&)>& edit) {
  const size_t at = index_of(id).value_or(content_.layers.size());
  if (at == content_.layers.size()) layer_ref(id);  // throws naming the id
  finish_stroke();
  document::TileRecorder recorder;
  edit(content_.layers, at, recorder);
  Layer& target = content_.layers[at];
  std::vector<document::TileChange> changes = recorder.finish(target.mask);
  if (changes.empty()) return false;
  const uint64_t before = target.mask_revision, after = new_revision();
  target.mask_revision = after;
  UndoRedo step = mask_change(id, std::move(changes), before, after);
  history_->push(
      {label + " on '" + target.properties.name + "'", "", std::move(step.undo), std::move(step.redo)},
      false);
  changed();
  return true;
}

bool Document::flood_fill(LayerId id, int x, int y, const FillOptions& options) {
  if (options.tolerance < 0 || options.tolerance > 255)
    throw Error("fill.tolerance " + std::to_string(options.tolerance) + " must be in [0, 255]");
  return record_mask_edit(id, "Fill", [&](std::vector<Layer>& layers, size_t at, document::TileRecorder& r) {
    document::flood_fill(layers, at, x, y, options, r);
  });
}

bool Document::clear_mask(LayerId id) {
  return record_mask_edit(id, "Clear", [](std::vector<Layer>& layers, size_t at, document::TileRecorder& r) {
    Mask& mask = layers[at].mask;
    for (int i = 0; i < mask.tile_count(); ++i)
      if (mask.tile(i) != nullptr) r.replace(mask, i, nullptr);
  });
}

bool Document::set_mask_from_image(LayerId id, const Image& image) {
  const Mask replacement =
      Mask::from_image(image, content_.width, content_.height);  // throws before any change
  return record_mask_edit(id, "Mask from image",
                          [&](std::vector<Layer>& layers, size_t at, document::TileRecorder& r) {
                            Mask& mask = layers[at].mask;
                            for (int i = 0; i < mask.tile_count(); ++i)
                              if (mask.shared_tile(i) != replacement.shared_tile(i))
                                r.replace(mask, i, replacement.shared_tile(i));
                          });
}

}  // namespace palette
