// The open document and everything about it that is not pixels on the screen: its file, whether it
// has unsaved changes, the selected brush (layer), and painting with the current tool. Panels, keys
// and the session script all edit through it, so what they do is tested without a window.
//
//   Editor editor;                                   // a new document with one brush
//   editor.press(tools, {10, 10});                   // canvas pixels
//   editor.drag({40, 12});
//   editor.release();                                // one undo step
//   editor.save("still-life.json", DocumentKind::Layout);
//
// Failures: open/save throw palette::Error naming the file; the open document is then unchanged.
// Thread safety: UI thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "app/canvas_view.h"
#include "app/tool_state.h"
#include "palette/document.h"
#include "palette/document_file.h"

namespace palette::app {

class Editor {
 public:
  explicit Editor(int width = 512, int height = 512);  // a new document

  Document& doc() { return doc_; }
  const Document& doc() const { return doc_; }
  const std::filesystem::path& path() const { return path_; }  // empty for a new document
  DocumentKind kind() const { return kind_; }
  bool dirty() const { return recovered_ || doc_.version() != saved_version_; }
  std::string title() const;  // "still-life.json* — Semantic Palette"

  void new_document(int width, int height);      // one brush, nothing painted; renders as the open one (new seed)
  void open(const std::filesystem::path& path);  // throws palette::Error; unchanged on failure
  // Writes the document; `path` empty = its own path (an error when it has none). Remembers the
  // path and kind, and clears dirty(). `model`: the settings.model to write (model_reference_for),
  // nullopt = the document's own; the document itself is not edited either way.
  void save(const std::filesystem::path& path, DocumentKind kind,
            const std::optional<std::string>& model = std::nullopt);
  // Writes a copy ("Save palette as"): the open document keeps its path, kind and dirty() state.
  void save_copy(const std::filesystem::path& path, DocumentKind kind,
                 const std::optional<std::string>& model = std::nullopt) const;
  // Whether writing the document as a palette would drop something: a painted mask or a background image.
  bool has_layout_content() const;
  // Takes `recovered` (an autosave) as the open document: named `path` (its user's file, or empty for
  // an untitled one) and dirty until saved, since the user's file does not hold what it shows.
  void recover(Document recovered, const std::filesystem::path& path);

  // The selected layer; 0 when there are none. Always a layer of the document (kept valid across
  // undo, removal and opening).
  LayerId selected() const;
  void select(LayerId id);
  bool select_index(size_t index);  // false when out of range

  // Layer commands; each one undo step, the new layer selected.
  LayerId add_layer();  // a fresh colour, named "Brush N"
  void duplicate_selected();
  void remove_selected();

  // Painting with the current tool at canvas coordinates. press starts a stroke (or fills, for the
  // Fill tool) on the selected layer; drag continues it; release ends it (one undo step when pixels
  // changed). A press without a layer does nothing. press and drag return whether pixels changed;
  // release whether a stroke was in progress.
  bool press(const ToolState& tools, Vec2 canvas);
  bool drag(Vec2 canvas);
  bool release();

  bool undo();
  bool redo();

 private:
  void reset(Document doc, std::filesystem::path path, DocumentKind kind);

  Document doc_;
  std::filesystem::path path_;
  DocumentKind kind_ = DocumentKind::Layout;
  uint64_t saved_version_ = 0;
  bool recovered_ = false;  // dirty until the next save, whatever the version
  LayerId selected_ = 0;
};

// The colour for a new layer: the first of a fixed, well-separated set that no layer uses yet.
Color next_layer_color(const Document& doc);

}  // namespace palette::app
