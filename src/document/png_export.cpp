// PNG export of a finished render: infotext for other tools in "parameters", and the layout itself in
// its own chunk, so the picture reopens as the layout that made it (document_reader.cpp reads it).
#include <filesystem>

#include "document/document_json.h"
#include "palette/document_file.h"
#include "palette/version.h"

namespace palette {

static_assert(kMaxPngTextBytes >= kMaxDocumentFileBytes, "a layout chunk must read back whole");

namespace {

// Layers the region pipeline renders (palette/layout_render.h: region_request): enabled, painted.
std::vector<const Layer*> rendered_layers(const DocumentContent& content) {
  std::vector<const Layer*> layers;
  for (const Layer& layer : content.layers)
    if (layer.properties.enabled && !layer.mask.empty()) layers.push_back(&layer);
  return layers;
}

// Both region samplers (lcm, lcm_stream) run the LCM sampler; they differ in the schedule only.
Sampler sampler_of(const GenerationSettings& settings) {
  return settings.sampler == Sampler::lcm_stream ? Sampler::lcm : settings.sampler;
}

}  // namespace

Infotext layout_infotext(const DocumentContent& content, int width, int height, const PngExportOptions& options) {
  Infotext info;
  info.prompt = content.background.prompt;
  const std::vector<const Layer*> layers = rendered_layers(content);
  for (const Layer* layer : layers) {
    if (layer->properties.prompt.empty()) continue;
    info.prompt += (info.prompt.empty() ? "" : " BREAK ") + layer->properties.prompt;
  }
  info.negative_prompt = content.background.negative_prompt;
  const GenerationSettings& s = content.settings;
  add_generation_fields(info, {.steps = s.steps,
                               .sampler = sampler_of(s),
                               .guidance = s.guidance,
                               .seed = options.seed.value_or(s.seed.value_or(0)),
                               .width = width,
                               .height = height,
                               .model = options.model.empty() ? s.model : options.model});
  info.add("Schedule", std::string(sampler_name(s.sampler)));
  info.add("Bootstrap steps", std::to_string(s.bootstrap_steps));
  info.add("Regions", std::to_string(layers.size()));
  if (content.background.image)
    info.add("Background image", std::to_string(content.background.image->width) + "x" +
                                     std::to_string(content.background.image->height));
  for (const auto& [key, value] : options.fields) info.add(key, value);
  info.add("Version", "Semantic Palette " + version());
  return info;
}

PngText layout_png_chunk(const DocumentContent& content, int width, int height, const PngExportOptions& options) {
  document::Json j = document::document_json(content, DocumentKind::Layout);
  if (options.seed) j["settings"]["seed"] = *options.seed;
  // Absolute, so that the picture reopens with the same model wherever it is moved on this machine.
  if (!options.model.empty() && !options.builtin_model)
    j["settings"]["model"] = std::filesystem::absolute(options.model).lexically_normal().string();
  if (width != content.width || height != content.height)
    j["render_size"] = {{"width", width}, {"height", height}};
  // Compressed: the masks are base64 PNG, which deflate takes back by about a quarter.
  return {kLayoutPngKeyword, j.dump(2), /*compress=*/true};
}

void export_png(const std::filesystem::path& path, const Image& image, const DocumentContent& content,
                const PngExportOptions& options) {
  const Infotext info = layout_infotext(content, image.width, image.height, options);
  write_png(path, image,
            {{"parameters", format_infotext(info)}, layout_png_chunk(content, image.width, image.height, options)});
}

}  // namespace palette
