// Document: content, ids, revisions, snapshots, and the layer, background and settings edits.
// Painting lives in document_paint.cpp.
#include "palette/document.h"

#include <algorithm>
#include <random>

#include "document/history.h"
#include "document/stroke.h"
#include "palette/error.h"

namespace palette {

namespace {

// Random rather than counted, so two documents of one process (or of two sessions) never share an
// id and an engine never mistakes one's layers for the other's. No global state needed.
uint64_t random_document_id() {
  std::random_device device;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t(device()) << 32) ^ device();
  return id;
}

std::vector<Layer>::iterator find_layer(std::vector<Layer>& layers, LayerId id) {
  return std::find_if(layers.begin(), layers.end(), [id](const Layer& l) { return l.id == id; });
}

std::string in_quotes(const std::string& name) {
  return "'" + name + "'";
}

}  // namespace

Document::Document(int width, int height, HistoryOptions history)
    : history_(std::make_unique<History>(history.max_steps)), document_id_(random_document_id()) {
  validate_canvas_side("canvas.width", width);
  validate_canvas_side("canvas.height", height);
  content_.width = width;
  content_.height = height;
}

Document::Document(DocumentContent content, HistoryOptions history)
    : history_(std::make_unique<History>(history.max_steps)), document_id_(random_document_id()) {
  validate_content(content);
  content_ = std::move(content);
  for (Layer& layer : content_.layers) {
    layer.id = next_layer_id_++;
    layer.mask_revision = new_revision();
  }
}

Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

const Layer& Document::layer(LayerId id) const {
  return const_cast<Document*>(this)->layer_ref(id);
}

Layer& Document::layer_ref(LayerId id) {
  auto it = find_layer(content_.layers, id);
  if (it == content_.layers.end())
    throw Error("no layer with id " + std::to_string(id) + " in this document");
  return *it;
}

std::optional<size_t> Document::index_of(LayerId id) const {
  for (size_t i = 0; i < content_.layers.size(); ++i)
    if (content_.layers[i].id == id) return i;
  return std::nullopt;
}

std::shared_ptr<const Snapshot> Document::snapshot() const {
  if (snapshot_ == nullptr) {
    auto s = std::make_shared<Snapshot>();
    static_cast<DocumentContent&>(*s) = content_;  // masks share their tiles
    s->document_id = document_id_;
    s->version = version_;
    snapshot_ = std::move(s);
  }
  return snapshot_;
}

void Document::changed() {
  ++version_;
  snapshot_.reset();
}

LayerId Document::add_layer(const LayerProperties& properties, std::optional<size_t> index) {
  validate_layer_properties(properties, "layer");
  if (content_.layers.size() >= kMaxLayers)
    throw Error("cannot add a layer: the document already has the maximum of " + std::to_string(kMaxLayers));
  finish_stroke();
  Layer layer{next_layer_id_++, properties, Mask(content_.width, content_.height), new_revision()};
  const size_t at = std::min(index.value_or(content_.layers.size()), content_.layers.size());
  content_.layers.insert(content_.layers.begin() + std::ptrdiff_t(at), layer);
  const LayerId id = layer.id;
  // The label comes from the copy: `properties` may belong to a layer that the insertion just moved.
  history_->push(
      {"Add layer " + in_quotes(layer.properties.name), "",
       [id](DocumentContent& c) { c.layers.erase(find_layer(c.layers, id)); },
       [layer, at](DocumentContent& c) { c.layers.insert(c.layers.begin() + std::ptrdiff_t(at), layer); }},
      false);
  changed();
  return id;
}

void Document::remove_layer(LayerId id) {
  const size_t at = index_of(id).value_or(content_.layers.size());
  if (at == content_.layers.size()) layer_ref(id);  // throws naming the id
  finish_stroke();
  const Layer layer = content_.layers[at];
  content_.layers.erase(content_.layers.begin() + std::ptrdiff_t(at));
  history_->push(
      {"Remove layer " + in_quotes(layer.properties.name), "",
       [layer, at](DocumentContent& c) { c.layers.insert(c.layers.begin() + std::ptrdiff_t(at), layer); },
       [id](DocumentContent& c) { c.layers.erase(find_layer(c.layers, id)); }},
      false);
  changed();
}

void Document::move_layer(LayerId id, size_t index) {
  const std::string label = "Move layer " + in_quotes(layer(id).properties.name);
  const size_t from = *index_of(id);
  const size_t to = std::min(index, content_.layers.size() - 1);
  if (from == to) return;
  finish_stroke();
  const auto move = [id](DocumentContent& c, size_t target) {
    auto it = find_layer(c.layers, id);
    Layer moving = std::move(*it);
    c.layers.erase(it);
    c.layers.insert(c.layers.begin() + std::ptrdiff_t(target), std::move(moving));
  };
  move(content_, to);
  history_->push({label, "", [move, from](DocumentContent& c) { move(c, from); },
                  [move, to](DocumentContent& c) { move(c, to); }},
                 false);
  changed();
}

LayerId Document::duplicate_layer(LayerId id) {
  const Layer& original = layer(id);
  if (content_.layers.size() >= kMaxLayers)
    throw Error("cannot duplicate a layer: the document already has the maximum of " +
                std::to_string(kMaxLayers));
  const std::string name = original.properties.name;  // `original` dangles once the copy is inserted
  LayerProperties properties = original.properties;
  properties.name += " copy";
  if (properties.name.size() > kMaxNameBytes) properties.name = name;
  finish_stroke();
  const Layer copy{next_layer_id_++, properties, original.mask, new_revision()};
  const size_t at = *index_of(id) + 1;
  content_.layers.insert(content_.layers.begin() + std::ptrdiff_t(at), copy);
  const LayerId copy_id = copy.id;
  history_->push(
      {"Duplicate layer " + in_quotes(name), "",
       [copy_id](DocumentContent& c) { c.layers.erase(find_layer(c.layers, copy_id)); },
       [copy, at](DocumentContent& c) { c.layers.insert(c.layers.begin() + std::ptrdiff_t(at), copy); }},
      false);
  changed();
  return copy_id;
}

void Document::set_layer_properties(LayerId id, const LayerProperties& properties, Merge merge) {
  Layer& l = layer_ref(id);
  validate_layer_properties(properties, "layer");
  if (l.properties == properties) return;
  finish_stroke();
  const LayerProperties before = l.properties;
  l.properties = properties;
  const auto set = [id](DocumentContent& c, const LayerProperties& p) {
    find_layer(c.layers, id)->properties = p;
  };
  history_->push({"Edit layer " + in_quotes(properties.name), "layer " + std::to_string(id),
                  [set, before](DocumentContent& c) { set(c, before); },
                  [set, properties](DocumentContent& c) { set(c, properties); }},
                 merge == Merge::WithPrevious);
  changed();
}

void Document::set_background(const Background& background, Merge merge) {
  validate_background(background, "background");
  if (content_.background == background) return;
  finish_stroke();
  const Background before = content_.background;
  content_.background = background;
  history_->push({"Edit background", "background", [before](DocumentContent& c) { c.background = before; },
                  [background](DocumentContent& c) { c.background = background; }},
                 merge == Merge::WithPrevious);
  changed();
}

void Document::set_settings(const GenerationSettings& settings, Merge merge) {
  validate_settings(settings, "settings");
  if (content_.settings == settings) return;
  finish_stroke();
  const GenerationSettings before = content_.settings;
  content_.settings = settings;
  history_->push({"Edit settings", "settings", [before](DocumentContent& c) { c.settings = before; },
                  [settings](DocumentContent& c) { c.settings = settings; }},
                 merge == Merge::WithPrevious);
  changed();
}

bool Document::can_undo() const {
  return stroke_ != nullptr || history_->can_undo();
}
bool Document::can_redo() const {
  return stroke_ == nullptr && history_->can_redo();
}
std::string Document::undo_label() const {
  return stroke_ != nullptr ? "Stroke on " + in_quotes(layer(stroke_->layer).properties.name)
                            : history_->undo_label();
}
std::string Document::redo_label() const {
  return stroke_ != nullptr ? "" : history_->redo_label();
}

bool Document::undo() {
  finish_stroke();
  const History::Step* step = history_->take_undo();
  if (step == nullptr) return false;
  step->undo(content_);
  changed();
  return true;
}

bool Document::redo() {
  finish_stroke();
  const History::Step* step = history_->take_redo();
  if (step == nullptr) return false;
  step->redo(content_);
  changed();
  return true;
}

}  // namespace palette
