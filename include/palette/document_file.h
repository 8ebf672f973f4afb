// Palette files (JSON): one reader for two kinds. A palette holds the layers' properties without
// masks (a reusable set of prompts and colours); a layout holds everything, masks included, as PNG
// inside the file ("data:image/png;base64,…"). Format (docs/architecture.md, "Palette file"):
//
//   {"format": "semantic-palette", "version": 1, "kind": "layout",
//    "canvas": {"width": 512, "height": 512},
//    "settings": {"model": "…", "sampler": "lcm", "steps": 5, "guidance": 1.0, "bootstrap_steps": 1,
//                 "seed": 42},
//    "background": {"prompt": "…", "negative_prompt": "", "image": null},
//    "layers": [{"name": "sky", "color": "#4080ff", "prompt": "…", "negative_prompt": "",
//                "prompt_strength": 1.0, "mask_strength": 1.0, "mask_blur": 0.0, "enabled": true,
//                "mask": "data:image/png;base64,…"}]}
//
// Required: format, version, kind, canvas.width/height, layers, and each layer's name, color, prompt
// (and mask, in a layout). Everything else falls back to the defaults of palette/document_data.h.
// A mask or background image may also be a file name, resolved against the file's folder; saving
// embeds it. Unknown keys at every level are kept and written back after the known ones.
//
//   palette::LoadedDocument f = palette::load_document("still-life.json");
//   palette::Document doc = std::move(f.document);
//   palette::save_document(doc, "copy.json", palette::DocumentKind::Layout);
//
// Failures: palette::Error with one line naming the file and the field, e.g.
// "'a.json': layers[3].color: \"#12xz45\" is not a colour (#rrggbb)". Loading builds a new Document,
// so a failed load never touches one the caller has open. Saving is atomic: on failure the old file
// is intact.
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "palette/document.h"
#include "palette/document_data.h"
#include "palette/image.h"
#include "palette/infotext.h"

namespace palette {

enum class DocumentKind { Palette, Layout };

constexpr int kDocumentFormatVersion = 1;                 // the newest version this code reads and writes
// Larger files are refused before reading. The largest thing a layout holds is its background: a
// 64-megapixel photo as PNG is about 100 MB (photos compress to about half), 135 MB in base64, which
// leaves 57 MiB for the masks (PNG of flat regions compress well) and the text. Reading costs up to
// about 4× the file (the text, the parser's buffer for the longest string, the tree's copy): with
// LibTorch's own 170 MB, a refused file of this size stays under 1 GB (940 MB measured).
constexpr uint64_t kMaxDocumentFileBytes = 192ull << 20;
constexpr const char* kMaxDocumentFileBytesReason =
    "192 MiB: a 64-megapixel photo background as PNG in base64 and room for the masks";
constexpr uint64_t kMaxMaskPixelsPerFile = 1ull << 32;    // canvas pixels × layers, bounds decoded memory

struct LoadedDocument {
  Document document;
  DocumentKind kind = DocumentKind::Layout;  // what the file was; a palette's layers have empty masks
  bool from_picture = false;                 // read from a PNG's kLayoutPngKeyword chunk
};

// Reads a palette or layout file, or the layout inside a PNG that export_png wrote. Throws
// palette::Error naming the file and the field; for a PNG without the layout chunk, "'x.png' carries no
// Semantic Palette layout (no 'semantic-palette' chunk): …".
LoadedDocument load_document(const std::filesystem::path& path);

// Whether `path` is a PNG file with a kLayoutPngKeyword chunk (false for anything else; never throws).
bool png_carries_layout(const std::filesystem::path& path);

// The same from text already in memory: `source` names it in errors and `folder` resolves mask file
// names (empty = the current folder).
LoadedDocument parse_document(std::string_view json_text, const std::string& source,
                              const std::filesystem::path& folder = {});

// Where a layout's settings.model points: a relative reference that exists beside the layout file is
// taken from there (a layout and its model travel together), anything else as written ("" stays "").
std::string model_beside(const std::filesystem::path& layout_file, const std::string& model_reference);

// The file's text (UTF-8 JSON, 2-space indented). A palette leaves out masks and the background image.
std::string serialize_document(const DocumentContent& content, DocumentKind kind);

// Writes serialize_document(*doc.snapshot(), kind) atomically (temporary file, then rename).
// Throws palette::Error naming the file when it cannot be written; `path` then keeps its old content.
void save_document(const Document& doc, const std::filesystem::path& path, DocumentKind kind);

// Rendered pictures carry their layout (PNG files written by export_png): the infotext other tools
// read in the "parameters" text chunk (palette/infotext.h), and the layout file itself, masks and
// background included, in a compressed iTXt chunk named kLayoutPngKeyword. load_document reads that
// chunk back from such a PNG, so a picture reopens as the layout that made it:
//
//   parameters:        a mountain lake at dawn BREAK a clear blue sky BREAK a pine forest
//                      Negative prompt: blurry
//                      Steps: 5, Sampler: LCM, CFG scale: 1, Seed: 42, Size: 512x512, Model: tiny-sd15,
//                      Schedule: lcm, Regions: 2, Version: Semantic Palette 0.1.0
//   semantic-palette:  {"format": "semantic-palette", "version": 1, "kind": "layout", …}
//
// The prompt line is the background prompt, then each rendered layer's prompt after " BREAK " (the
// Regional Prompter's convention); each layer's own negative prompt is in the layout only.
constexpr const char* kLayoutPngKeyword = "semantic-palette";

struct PngExportOptions {
  std::optional<uint64_t> seed;  // the seed the render used, when settings.seed was empty
  // The model the render used: named in the infotext and, made absolute, recorded as settings.model
  // (so the picture reopens with it from anywhere); "" keeps settings.model.
  std::string model;
  bool builtin_model = false;  // `model` is the built-in default: settings.model stays as it was
  std::vector<std::pair<std::string, std::string>> fields;  // more infotext fields, after ours
};

// The infotext of a layout rendered at `width` × `height` with `options`, as described above.
Infotext layout_infotext(const DocumentContent& content, int width, int height, const PngExportOptions& options = {});

// The kLayoutPngKeyword chunk: the layout with the seed and model actually used, plus
// "render_size": {"width", "height"} when the picture is not canvas-sized (render --layout uses it).
PngText layout_png_chunk(const DocumentContent& content, int width, int height, const PngExportOptions& options = {});

// Writes a finished render as PNG with both chunks. Throws palette::Error naming the file for an
// invalid image or a failed write (atomic as above).
void export_png(const std::filesystem::path& path, const Image& image, const DocumentContent& content,
                const PngExportOptions& options = {});

}  // namespace palette
