// Writing palette and layout files: known keys first in a fixed order, then the unknown keys that
// were read, each object's own after its known ones.
#include "document/document_json.h"
#include "document/image_value.h"
#include "document/json_fields.h"
#include "base/atomic_write.h"
#include "palette/document_file.h"

namespace palette {

namespace {

using document::Json;

// Appends the unknown keys of `extra` that the format does not use at this level. `reserved` names
// known keys this kind of file leaves out (a palette's masks), which must not come back as unknown.
void put_extra(Json& object, const Json& extra, std::initializer_list<const char*> reserved = {}) {
  if (!extra.is_object()) return;
  for (const auto& [key, value] : extra.items()) {
    bool skip = object.contains(key);
    for (const char* name : reserved) skip = skip || key == name;
    if (!skip) object[key] = value;
  }
}

Json settings_json(const GenerationSettings& s) {
  Json j = Json::object();
  j["model"] = s.model;
  j["sampler"] = sampler_name(s.sampler);  // canonical: an old "smd" is written as "lcm_stream"
  j["steps"] = s.steps;
  j["guidance"] = s.guidance;
  j["bootstrap_steps"] = s.bootstrap_steps;
  j["seed"] = s.seed ? Json(*s.seed) : Json(nullptr);
  put_extra(j, s.extra);
  return j;
}

Json background_json(const Background& b, DocumentKind kind) {
  Json j = Json::object();
  j["prompt"] = b.prompt;
  j["negative_prompt"] = b.negative_prompt;
  if (kind == DocumentKind::Layout)
    j["image"] = b.image ? Json(document::png_data_uri(*b.image)) : Json(nullptr);
  put_extra(j, b.extra, {"image"});
  return j;
}

Json layer_json(const Layer& layer, DocumentKind kind) {
  const LayerProperties& p = layer.properties;
  Json j = Json::object();
  j["name"] = p.name;
  j["color"] = to_string(p.color);
  j["prompt"] = p.prompt;
  j["negative_prompt"] = p.negative_prompt;
  j["prompt_strength"] = p.prompt_strength;
  j["mask_strength"] = p.mask_strength;
  j["mask_blur"] = p.mask_blur;
  j["enabled"] = p.enabled;
  if (kind == DocumentKind::Layout) j["mask"] = document::png_data_uri(layer.mask.to_image());
  put_extra(j, p.extra, {"mask"});
  return j;
}

}  // namespace

namespace document {

Json document_json(const DocumentContent& c, DocumentKind kind) {
  Json j = Json::object();
  j["format"] = "semantic-palette";
  j["version"] = kDocumentFormatVersion;
  j["kind"] = kind == DocumentKind::Layout ? "layout" : "palette";
  Json canvas = Json::object();
  canvas["width"] = c.width;
  canvas["height"] = c.height;
  put_extra(canvas, c.extras.canvas);
  j["canvas"] = std::move(canvas);
  j["settings"] = settings_json(c.settings);
  j["background"] = background_json(c.background, kind);
  Json layers = Json::array();
  for (const Layer& layer : c.layers) layers.push_back(layer_json(layer, kind));
  j["layers"] = std::move(layers);
  put_extra(j, c.extras.top);
  return j;
}

}  // namespace document

std::string serialize_document(const DocumentContent& content, DocumentKind kind) {
  return document::document_json(content, kind).dump(2) + "\n";
}

std::string model_beside(const std::filesystem::path& layout_file, const std::string& model_reference) {
  const std::filesystem::path reference(model_reference);
  if (model_reference.empty() || !reference.is_relative() || layout_file.empty()) return model_reference;
  const std::filesystem::path beside = layout_file.parent_path() / reference;
  std::error_code error;
  return std::filesystem::exists(beside, error) ? beside.string() : model_reference;
}

void save_document(const Document& doc, const std::filesystem::path& path, DocumentKind kind) {
  const std::string text = serialize_document(*doc.snapshot(), kind);
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), path); });
}

}  // namespace palette
