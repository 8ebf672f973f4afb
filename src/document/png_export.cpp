// PNG export of a finished render, carrying the palette it was made from so the picture can be
// traced back (and the palette loaded again from the picture's "parameters" chunk).
#include "document/document_json.h"
#include "palette/document_file.h"

namespace palette {

namespace {

document::Json parameters(const DocumentContent& content, const PngExportOptions& options) {
  document::Json j = document::document_json(content, DocumentKind::Palette);
  if (options.seed) j["settings"]["seed"] = *options.seed;
  if (!options.model.empty()) j["settings"]["model"] = options.model;
  if (!options.layout_file.empty()) j["layout_file"] = options.layout_file;
  j["engine"] = "semantic-palette";
  return j;
}

// tEXt chunks hold Latin-1: escaping everything else keeps the text ASCII and the JSON exact.
std::string ascii(const document::Json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/true);
}

}  // namespace

std::string render_parameters(const DocumentContent& content, const PngExportOptions& options) {
  return ascii(parameters(content, options));
}

void export_png(const std::filesystem::path& path, const Image& image, const DocumentContent& content,
                const PngExportOptions& options) {
  document::Json j = parameters(content, options);
  // A render at another size than the canvas (the masks resized) says so.
  if (image.width != content.width || image.height != content.height)
    j["render_size"] = {{"width", image.width}, {"height", image.height}};
  write_png(path, image, {{"parameters", ascii(j)}});
}

}  // namespace palette
