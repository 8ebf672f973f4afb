// palette::eval_default: fixed layouts painted from the world's own class maps, rendered through the
// document → region_request → render_regions path the app and `palette render --layout` use, and judged
// region by region with a colour-and-texture classifier that learnt its class means from the world.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>

#include "base/atomic_write.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/document_requests.h"
#include "palette/model.h"
#include "palette/regions.h"
#include "palette/stream.h"
#include "palette/training.h"
#include "models/model_parts.h"
#include "models/vae/autoencoder_kl.h"
#include "pipelines/background_image.h"
#include "pipelines/image_tensor.h"
#include "training/region_classifier.h"

namespace palette {

namespace {

namespace fs = std::filesystem;
using training::RegionClassifier;

constexpr double kMinRegion = 0.01;  // regions under this share of the canvas are painted but not judged
constexpr int kBlock = 16;           // side of the blocks of the block accuracy

struct Layout {
  std::string name;
  WorldSample world;
  DocumentContent content;
  std::vector<WorldClass> layer_classes;
};

// Layout i: a scene of kind 1 + i mod 6 from the world (never a crop), one layer per class in it, the
// largest at the bottom, each prompted with its class name or, for a class in o.phrasings, with its next
// phrasing (`turn` counts each class's layers over the layouts); the caption is the background prompt.
Layout make_layout(int i, const EvalOptions& o, std::array<size_t, kWorldClassCount>& turn) {
  WorldOptions w;
  w.width = w.height = o.size;
  w.scene = static_cast<WorldScene>(1 + i % (kWorldSceneCount - 1));
  Layout l;
  l.world = make_world_sample(o.seed, static_cast<uint64_t>(i), w);
  l.name = world_scene_name(*w.scene) + "-" + std::to_string(i);
  l.content.width = l.content.height = o.size;
  l.content.settings.sampler = o.sampler;
  l.content.settings.steps = o.steps;
  l.content.settings.guidance = o.guidance;
  l.content.settings.bootstrap_steps = o.bootstrap_steps;
  l.content.settings.seed = o.seed + static_cast<uint64_t>(i);
  l.content.background.prompt = l.world.caption;
  const auto counts = world_class_counts(l.world);
  std::vector<int> order;
  for (int c = 0; c < kWorldClassCount; ++c)
    if (counts[c] > 0) order.push_back(c);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] > counts[b]; });
  for (int c : order) {
    const auto cls = static_cast<WorldClass>(c);
    Layer layer;
    layer.id = static_cast<LayerId>(l.content.layers.size() + 1);
    layer.properties.name = world_class_name(cls);
    const auto rgb = world_class_color(cls);
    layer.properties.color = {rgb[0], rgb[1], rgb[2]};
    const auto phrasings = o.phrasings.find(cls);
    layer.properties.prompt = phrasings == o.phrasings.end()
                                  ? world_class_name(cls)
                                  : phrasings->second[turn[static_cast<size_t>(c)]++ % phrasings->second.size()];
    layer.mask = Mask(o.size, o.size);
    for (int y = 0; y < o.size; ++y)
      for (int x = 0; x < o.size; ++x)
        if (l.world.classes[static_cast<size_t>(y) * o.size + x] == c) layer.mask.set(x, y, 255);
    l.content.layers.push_back(std::move(layer));
    l.layer_classes.push_back(cls);
  }
  return l;
}

// Nearest-class answers for one picture of a layout: per judged region, and per whole block.
struct Judgement {
  std::vector<EvalRegion> regions;
  int unjudged = 0;  // under 16 pixels once the border is left out
  int64_t blocks = 0, blocks_right = 0;
};

// The world's picture encoded (posterior mean) and decoded by the model's autoencoder: the best any UNet
// could make the decoder show.
Image autoencoded(const Model& model, const Image& picture) {
  const ModelParts& parts = model_parts(model);
  const auto pixels = background_pixels(picture, picture.height, picture.width, parts.device);
  torch::NoGradGuard no_grad;
  return to_image(decode_latents(parts, image_posterior(parts, pixels).mean * parts.vae->config().scaling_factor));
}

// The evaluation's own region setting that a layout does not carry, for the one-shot render and the live
// picture alike.
void override_sampling(RegionSampling& s, const EvalOptions& o) {
  s.cover_alpha = o.cover_alpha;
}

// The layout as the app shows it while painting on the model's device: the stream engine's first settled
// frame at the live size, upscaled (bilinear, as the window's texture filter) to the canvas.
Image live_picture(const Model& model, const Layout& l, const EvalOptions& o) {
  StreamSettings settings = live_picture_settings(model, l.content.settings);
  override_sampling(settings.sampling, o);
  Snapshot document;
  static_cast<DocumentContent&>(document) = l.content;
  document.document_id = 1;
  document.version = 1;
  StreamSnapshotMaker to_stream;
  auto snapshot = std::make_shared<StreamSnapshot>(*to_stream(document));
  std::tie(snapshot->width, snapshot->height) =
      halved_canvas(snapshot->width, snapshot->height, live_picture_halvings(model, snapshot->width, snapshot->height));
  StreamEngine engine(model, settings);
  engine.apply(*snapshot);
  StreamFrame frame;
  for (int i = 0; i <= 2 * engine.slots() && !frame.settled; ++i) frame = engine.step();
  if (!frame.settled || frame.image.pixels.empty())
    throw Error("eval-default --live: layout '" + l.name + "' gave no settled frame after " +
                std::to_string(2 * engine.slots() + 1) + " frames");
  const int w = l.content.width, h = l.content.height;
  torch::NoGradGuard no_grad;
  auto t = torch::from_blob(frame.image.pixels.data(), {frame.image.height, frame.image.width, frame.image.channels},
                            torch::kUInt8)
               .narrow(2, 0, 3)
               .permute({2, 0, 1})
               .unsqueeze(0)
               .to(torch::kFloat32);
  if (frame.image.width != w || frame.image.height != h)
    t = torch::nn::functional::interpolate(t, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{h, w})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
  t = t.round().clamp(0, 255).to(torch::kUInt8).squeeze(0).permute({1, 2, 0}).contiguous();
  return {w, h, 3, std::vector<uint8_t>(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel())};
}

static_assert(std::tuple_size_v<decltype(EvalRegion::world_features)> == training::kRegionFeatures,
              "EvalRegion reports the classifier's features");

Judgement judge(const Layout& l, const Image& generated, const Image& through_autoencoder,
                const RegionClassifier& classifier, int border) {
  Judgement j;
  const int n = l.content.width;
  const auto counts = world_class_counts(l.world);
  for (size_t k = 0; k < l.layer_classes.size(); ++k) {
    const WorldClass c = l.layer_classes[k];
    const int64_t pixels = counts[static_cast<size_t>(c)];
    if (pixels < kMinRegion * n * n) continue;
    const auto region = training::eroded_region(l.world.classes, n, n, c, border);
    const auto inside = [&](int x, int y) { return region[static_cast<size_t>(y) * n + x] != 0; };
    const auto on_generated = training::region_features(generated, inside, 16);
    const auto on_world = training::region_features(l.world.image, inside, 16);
    const auto on_autoencoded = training::region_features(through_autoencoder, inside, 16);
    if (!on_generated || !on_world || !on_autoencoded) {
      ++j.unjudged;
      continue;
    }
    j.regions.push_back({l.name, world_class_name(c), world_class_name(classifier.classify(*on_generated)),
                         world_class_name(classifier.classify(*on_world)),
                         world_class_name(classifier.classify(*on_autoencoded)), pixels,
                         l.content.layers[k].properties.prompt, *on_generated, *on_world});
  }
  for (int by = 0; by + kBlock <= n; by += kBlock)
    for (int bx = 0; bx + kBlock <= n; bx += kBlock) {
      const uint8_t c = l.world.classes[static_cast<size_t>(by) * n + bx];
      bool uniform = true;
      for (int y = by; y < by + kBlock && uniform; ++y)
        for (int x = bx; x < bx + kBlock && uniform; ++x) uniform = l.world.classes[static_cast<size_t>(y) * n + x] == c;
      if (!uniform) continue;
      const auto f = training::region_features(
          generated, [&](int x, int y) { return x >= bx && x < bx + kBlock && y >= by && y < by + kBlock; }, 1);
      ++j.blocks;
      if (f && classifier.classify(*f) == static_cast<WorldClass>(c)) ++j.blocks_right;
    }
  return j;
}

// Copies `src` (RGB8) into `sheet` at (x0, y0).
void paste(Image& sheet, const Image& src, int x0, int y0) {
  for (int y = 0; y < src.height; ++y)
    std::copy_n(&src.pixels[static_cast<size_t>(y) * src.width * 3], static_cast<size_t>(src.width) * 3,
                &sheet.pixels[(static_cast<size_t>(y0 + y) * sheet.width + x0) * 3]);
}

void write_outputs(const EvalOptions& o, const EvalReport& r, const std::vector<Layout>& layouts) {
  std::error_code ec;
  fs::create_directories(o.out / "layouts", ec);
  if (ec) throw Error("'" + o.out.string() + "': cannot create the evaluation folder: " + ec.message());
  write_png(o.out / "sheet.png", r.sheet);
  for (const Layout& l : layouts) {
    const fs::path file = o.out / "layouts" / (l.name + ".layout.json");
    const std::string text = serialize_document(l.content, DocumentKind::Layout);
    write_file_atomically(file, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), file); });
  }
  nlohmann::json regions = nlohmann::json::array();
  // Features to four decimals: what they tell needs no more, and the file stays readable.
  const auto rounded = [](const training::RegionFeatures& f) {
    nlohmann::json a = nlohmann::json::array();
    for (float v : f) a.push_back(std::round(double(v) * 1e4) / 1e4);
    return a;
  };
  for (const auto& g : r.regions)
    regions.push_back({{"layout", g.layout}, {"painted", g.painted}, {"prompt", g.prompt}, {"predicted", g.predicted},
                       {"reference", g.reference}, {"autoencoded", g.autoencoded}, {"pixels", g.pixels},
                       {"generated_features", rounded(g.generated_features)}, {"world_features", rounded(g.world_features)}});
  nlohmann::json per_class = nlohmann::json::object();
  for (const auto& c : r.per_class)
    per_class[c.name] = {{"regions", c.regions}, {"right", c.right}, {"reference_right", c.reference_right},
                         {"autoencoded_right", c.autoencoded_right},
                         {"accuracy", c.regions ? static_cast<double>(c.right) / c.regions : 0.0}};
  const nlohmann::json report = {{"model", o.model.string()}, {"layouts", o.count},     {"size", o.size},
                                 {"seed", o.seed},            {"accuracy", r.accuracy}, {"reference_accuracy", r.reference_accuracy},
                                 {"autoencoded_accuracy", r.autoencoded_accuracy},
                                 {"block_accuracy", r.block_accuracy}, {"chance", r.chance}, {"majority", r.majority},
                                 {"seconds", r.seconds},      {"phrasings", !o.phrasings.empty()},
                                 {"sampler", sampler_name(o.sampler)}, {"steps", o.steps}, {"guidance", r.guidance},
                                 {"bootstrap_steps", o.bootstrap_steps}, {"cover_alpha", o.cover_alpha}, {"live", o.live},
                                 {"border", o.border}, {"unjudged", r.unjudged},
                                 {"per_class", per_class},    {"regions", regions}};
  const fs::path file = o.out / "eval.json";
  const std::string text = report.dump(2) + "\n";
  write_file_atomically(file, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), file); });
}

}  // namespace

EvalReport eval_default(const EvalOptions& o) {
  if (o.count < 1) throw Error("--count " + std::to_string(o.count) + " must be at least 1");
  if (o.size < 64 || o.size % 8 != 0) throw Error("--size " + std::to_string(o.size) + " must be a multiple of 8, at least 64");
  if (o.reference_samples < 16) throw Error("--reference-samples must be at least 16");
  if (o.border < 0 || o.border > 16) throw Error("--border " + std::to_string(o.border) + " must be in [0, 16] (pixels)");
  if (!is_region_sampler(o.sampler))
    throw Error("--sampler " + std::string(sampler_name(o.sampler)) + ": layouts render with lcm or lcm_stream");
  if (o.bootstrap_steps < 0 || o.bootstrap_steps > kMaxSteps)
    throw Error("--bootstrap-steps " + std::to_string(o.bootstrap_steps) + " must be in [0, " +
                std::to_string(kMaxSteps) + "]");
  if (!(o.cover_alpha <= 1)) throw Error("--cover-alpha must be a number at most 1 (≤ 0: no covering)");
  const auto start = std::chrono::steady_clock::now();
  ModelOptions model_options;
  model_options.device = o.device;
  const Model model = Model::load(o.model, model_options);
  // The classifier sees the world at the evaluation's size, from a seed the layouts do not use.
  const RegionClassifier classifier = RegionClassifier::from_world(o.seed ^ 0x5eed5eedull, o.reference_samples, o.size, o.border);

  EvalReport r;
  // What the pictures were sampled with: the live picture on a CPU runs without guidance.
  r.guidance = o.live ? live_picture_settings(model, GenerationSettings{.guidance = o.guidance}).sampling.guidance
                      : o.guidance;
  std::vector<Layout> layouts;
  const int gap = 4, cell = o.size;
  r.sheet = {3 * cell + 2 * gap, o.count * cell + (o.count - 1) * gap, 3, {}};
  r.sheet.pixels.assign(static_cast<size_t>(r.sheet.width) * r.sheet.height * 3, 255);
  int64_t blocks = 0, blocks_right = 0;
  std::array<size_t, kWorldClassCount> turn{};
  for (int i = 0; i < o.count; ++i) {
    Layout l = make_layout(i, o, turn);
    RegionRequest request = region_request(l.content);
    override_sampling(request.sampling, o);
    const Image generated = o.live ? live_picture(model, l, o) : render_regions(model, request).image;
    const Judgement j = judge(l, generated, autoencoded(model, l.world.image), classifier, o.border);
    int right = 0;
    std::string line = l.name + ":";
    for (const auto& g : j.regions) {
      right += g.predicted == g.painted;
      line += " " + g.painted + (g.predicted == g.painted ? " ok" : " -> " + g.predicted) + ",";
    }
    if (o.log) o.log(line + " " + std::to_string(right) + "/" + std::to_string(j.regions.size()) + " regions");
    r.regions.insert(r.regions.end(), j.regions.begin(), j.regions.end());
    r.unjudged += j.unjudged;
    blocks += j.blocks;
    blocks_right += j.blocks_right;
    const int y = i * (cell + gap);
    paste(r.sheet, world_class_map_image(l.world), 0, y);
    paste(r.sheet, l.world.image, cell + gap, y);
    paste(r.sheet, generated, 2 * (cell + gap), y);
    layouts.push_back(std::move(l));
  }
  int64_t right = 0, reference_right = 0, autoencoded_right = 0;
  std::array<EvalClass, kWorldClassCount> classes{};
  for (const auto& g : r.regions) {
    right += g.predicted == g.painted;
    reference_right += g.reference == g.painted;
    autoencoded_right += g.autoencoded == g.painted;
    const auto c = static_cast<size_t>(*world_class_from_name(g.painted));
    ++classes[c].regions;
    classes[c].right += g.predicted == g.painted;
    classes[c].reference_right += g.reference == g.painted;
    classes[c].autoencoded_right += g.autoencoded == g.painted;
  }
  for (int c = 0; c < kWorldClassCount; ++c)
    if (classes[c].regions > 0) {
      classes[c].name = world_class_name(static_cast<WorldClass>(c));
      r.per_class.push_back(classes[c]);
    }
  const double n = std::max<double>(1.0, static_cast<double>(r.regions.size()));
  r.accuracy = right / n;
  r.reference_accuracy = reference_right / n;
  r.autoencoded_accuracy = autoencoded_right / n;
  r.block_accuracy = blocks ? static_cast<double>(blocks_right) / blocks : 0.0;
  r.chance = 1.0 / kWorldClassCount;
  r.majority = std::max_element(classes.begin(), classes.end(), [](const EvalClass& a, const EvalClass& b) {
                 return a.regions < b.regions;
               })->regions / n;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.out.empty()) write_outputs(o, r, layouts);
  return r;
}

}  // namespace palette
