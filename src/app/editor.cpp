#include "app/editor.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "palette/error.h"

namespace palette::app {

Editor::Editor(int width, int height) : doc_(width, height) {
  new_document(width, height);
}

std::string Editor::title() const {
  const std::string name = path_.empty() ? "Untitled" : path_.filename().string();
  return name + (dirty() ? "*" : "") + " - Semantic Palette";
}

void Editor::reset(Document doc, std::filesystem::path path, DocumentKind kind) {
  doc_ = std::move(doc);
  path_ = std::move(path);
  kind_ = kind;
  saved_version_ = doc_.version();
  recovered_ = false;
  selected_ = doc_.layers().empty() ? 0 : doc_.layers().back().id;
}

void Editor::new_document(int width, int height) {
  Document doc(width, height);
  // How the open document renders carries over (the built-in model's examples set guidance and
  // bootstrapping it paints better with); its seed and model do not.
  GenerationSettings settings = doc_.content().settings;
  settings.seed.reset();
  settings.model = doc.content().settings.model;
  settings.extra = doc.content().settings.extra;  // unknown keys belong to the file they came from
  doc.set_settings(settings);
  LayerProperties p;
  p.name = "Brush 1";
  p.color = next_layer_color(doc);
  doc.add_layer(p);
  // A document starts clean: the first brush is part of "new", not an edit to undo.
  reset(Document(DocumentContent(doc.content())), {}, DocumentKind::Layout);
}

void Editor::open(const std::filesystem::path& path) {
  LoadedDocument loaded = load_document(path);  // throws before anything here changes
  // A picture's layout opens untitled: saving must ask where, never write JSON over the picture.
  reset(std::move(loaded.document), loaded.from_picture ? std::filesystem::path() : path, loaded.kind);
}

namespace {

void write(const Document& doc, const std::filesystem::path& target, DocumentKind kind,
           const std::optional<std::string>& model) {
  if (!model || *model == doc.content().settings.model) {
    save_document(doc, target, kind);
    return;
  }
  // A copy with the model in use, so that saving is not an edit (no undo step, no new version).
  // Cheap: the copy shares the masks' tiles with the document.
  DocumentContent content = *doc.snapshot();
  content.settings.model = *model;
  save_document(Document(std::move(content)), target, kind);
}

}  // namespace

void Editor::save(const std::filesystem::path& path, DocumentKind kind, const std::optional<std::string>& model) {
  const std::filesystem::path target = path.empty() ? path_ : path;
  if (target.empty()) throw Error("the document has no file yet: choose where to save it");
  write(doc_, target, kind, model);
  path_ = target;
  kind_ = kind;
  saved_version_ = doc_.version();
  recovered_ = false;
}

void Editor::save_copy(const std::filesystem::path& path, DocumentKind kind,
                       const std::optional<std::string>& model) const {
  if (path.empty()) throw Error("choose where to save the copy");
  write(doc_, path, kind, model);
}

bool Editor::has_layout_content() const {
  if (doc_.content().background.image) return true;
  return std::any_of(doc_.layers().begin(), doc_.layers().end(), [](const Layer& l) { return !l.mask.empty(); });
}

void Editor::recover(Document recovered, const std::filesystem::path& path) {
  reset(std::move(recovered), path, DocumentKind::Layout);
  recovered_ = true;
}

LayerId Editor::selected() const {
  if (selected_ != 0 && doc_.index_of(selected_)) return selected_;
  return doc_.layers().empty() ? 0 : doc_.layers().back().id;
}

void Editor::select(LayerId id) {
  if (doc_.index_of(id)) selected_ = id;
}

bool Editor::select_index(size_t index) {
  if (index >= doc_.layers().size()) return false;
  selected_ = doc_.layers()[index].id;
  return true;
}

LayerId Editor::add_layer() {
  LayerProperties p;
  p.name = "Brush " + std::to_string(doc_.layers().size() + 1);
  p.color = next_layer_color(doc_);
  selected_ = doc_.add_layer(p);
  return selected_;
}

void Editor::duplicate_selected() {
  if (const LayerId id = selected()) selected_ = doc_.duplicate_layer(id);
}

void Editor::remove_selected() {
  const LayerId id = selected();
  if (!id) return;
  const size_t index = *doc_.index_of(id);
  doc_.remove_layer(id);
  // The layer below takes the selection, as in layer panels elsewhere.
  if (!doc_.layers().empty()) selected_ = doc_.layers()[index > 0 ? index - 1 : 0].id;
}

bool Editor::press(const ToolState& tools, Vec2 c) {
  const LayerId id = selected();
  if (!id) return false;
  if (tools.tool() == Tool::Fill) {
    FillOptions fill;
    fill.region = FillRegion::Canvas;
    return doc_.flood_fill(id, static_cast<int>(std::floor(c.x)), static_cast<int>(std::floor(c.y)), fill);
  }
  const uint64_t before = doc_.version();
  doc_.begin_stroke(id, tools.brush());
  doc_.stroke_to(c.x, c.y);
  return doc_.version() != before;
}

bool Editor::drag(Vec2 c) {
  if (!doc_.stroking()) return false;
  const uint64_t before = doc_.version();
  doc_.stroke_to(c.x, c.y);
  return doc_.version() != before;
}

bool Editor::release() {
  if (!doc_.stroking()) return false;
  doc_.end_stroke();
  return true;
}

bool Editor::undo() {
  return doc_.undo();
}
bool Editor::redo() {
  return doc_.redo();
}

Color next_layer_color(const Document& doc) {
  static const Color kColors[] = {
      {230, 60, 60},  {60, 130, 240}, {70, 190, 90}, {240, 190, 40}, {170, 80, 210}, {40, 200, 200},
      {240, 120, 40}, {230, 90, 170}, {120, 90, 50}, {150, 200, 60}, {90, 90, 160},  {200, 200, 200},
  };
  for (const Color& c : kColors) {
    const bool used = std::any_of(doc.layers().begin(), doc.layers().end(),
                                  [&](const Layer& l) { return l.properties.color == c; });
    if (!used) return c;
  }
  return kColors[doc.layers().size() % std::size(kColors)];
}

}  // namespace palette::app
