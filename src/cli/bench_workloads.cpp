#include "cli/bench_workloads.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "models/lpips/lpips.h"
#include "models/model_parts.h"
#include "models/unet/unet_flops.h"
#include "models/unet/unet_graph.h"
#include "palette/document_requests.h"
#include "palette/infotext.h"
#include "palette/panorama.h"
#include "palette/regions.h"
#include "palette/stream.h"

namespace palette::cli {

namespace {

using Clock = std::chrono::steady_clock;

void synchronize(const Model& model) {
  if (model_parts(model).device.is_cuda()) torch::cuda::synchronize(model_parts(model).device.index());
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Median milliseconds of `repeat` runs of `work` after `warmup` untimed ones, each run waited for.
double time_runs(const Model& model, int warmup, int repeat, const std::function<void()>& work) {
  for (int i = 0; i < warmup; ++i) work();
  synchronize(model);
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    const auto start = Clock::now();
    work();
    synchronize(model);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return median(ms);
}

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0, double e = 0,
                   double f = 0) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c, d, e, f);
  return buffer;
}

torch::Tensor text_embeddings(const Model& model, int64_t batch) {
  const ModelParts& parts = model_parts(model);
  const int64_t width = parts.unet->config().cross_attention_dim[0];
  return torch::randn({batch, 77, width}, torch::dtype(parts.dtype).device(parts.device));
}


// SDXL's added conditions for a batch: a random pooled text and the time ids of a square picture.
UNetConditions bench_conditions(const Model& model, int64_t batch, int side) {
  const ModelParts& parts = model_parts(model);
  if (!parts.unet->config().text_time_embedding()) return {};
  const auto options = torch::dtype(parts.dtype).device(parts.device);
  const int64_t pooled = parts.unet->config().projection_class_embeddings_input_dim - 6 * parts.unet->config().addition_time_embed_dim;
  const double s = side;
  return {{}, torch::randn({batch, pooled}, options),
          torch::tensor({s, s, 0.0, 0.0, s, s}, options).unsqueeze(0).expand({batch, 6}).contiguous()};
}

// At the model's native size: 512² for SD 1.x, 1024² for SDXL.
std::vector<BenchRow> unet_rows(const Model& model, const BenchSettings& settings) {
  torch::NoGradGuard no_grad;
  const ModelParts& parts = model_parts(model);
  const auto options = torch::dtype(parts.dtype).device(parts.device);
  const int side = model.info().native.side;
  const int64_t latent = side / 8;
  std::vector<BenchRow> rows;
  for (int64_t batch : {1, 5, 15, 20}) {
    const torch::Tensor x = torch::randn({batch, 4, latent, latent}, options);
    const torch::Tensor t = torch::full({batch}, 500, torch::dtype(torch::kInt64).device(parts.device));
    const torch::Tensor hidden = text_embeddings(model, batch);
    const UNetConditions conditions = bench_conditions(model, batch, side);
    for (bool graphs : {false, true}) {
      if (graphs && !settings.cuda_graphs) continue;
      UNetGraphRunner runner(parts.unet, graphs);
      if (graphs && !runner.graphs_enabled()) continue;
      const double ms =
          time_runs(model, settings.warmup + 1, settings.repeat * 2, [&] { runner.forward(x, t, hidden, conditions); });
      rows.push_back({"UNet " + std::to_string(side) + "², batch " + std::to_string(batch) +
                          (graphs ? ", CUDA graph" : ", eager"),
                      ms, 0, double(batch) * unet_gflop(model, side, side), format("%.2f ms per sample", ms / double(batch))});
    }
  }
  return rows;
}

std::vector<BenchRow> decode_rows(const Model& model, const BenchSettings& settings) {
  torch::NoGradGuard no_grad;
  const ModelParts& parts = model_parts(model);
  const int side = model.info().native.side;
  const std::string size = std::to_string(side) + "²";
  const torch::Tensor z = torch::randn({1, 4, side / 8, side / 8}, torch::dtype(parts.dtype).device(parts.device));
  std::vector<BenchRow> rows;
  AutoencoderKL vae = parts.vae;
  const torch::Tensor zv = z.to(vae->parameters().front().scalar_type());  // SDXL's VAE may keep another dtype
  rows.push_back({"VAE decode " + size, time_runs(model, settings.warmup, settings.repeat * 2, [&] { vae->decode(zv); }),
                  0, 0, ""});
  if (!parts.taesd.is_empty()) {
    Taesd taesd = parts.taesd;
    rows.push_back({"TAESD decode " + size,
                    time_runs(model, settings.warmup, settings.repeat * 2, [&] { taesd->decode(z); }), 0, 0, ""});
  }
  return rows;
}

// A painted canvas with the benchmark's prompts: `layers` rectangles side by side over a background,
// the last one a centred square that covers parts of the others (so covering is exercised).
std::vector<RegionLayer> bench_layers(int layers) {
  static const char* prompts[] = {"a snowy mountain range", "a red brick house", "a pine forest", "a calm lake",
                                  "a wooden boat", "a flock of birds"};
  std::vector<RegionLayer> result;
  for (int i = 0; i < layers; ++i) {
    torch::Tensor mask = torch::zeros({64, 64});
    if (i + 1 < layers) {
      const int64_t from = 64 * i / std::max(layers - 1, 1), to = 64 * (i + 1) / std::max(layers - 1, 1);
      mask.slice(1, from, to).fill_(1);
    } else {
      mask.slice(0, 16, 48).slice(1, 16, 48).fill_(1);
    }
    RegionLayer layer;
    layer.prompt = prompts[i % 6];
    layer.mask = mask;
    result.push_back(layer);
  }
  return result;
}

// A smooth synthetic picture for the background: what it shows does not change the work.
std::shared_ptr<const Image> bench_picture(int side) {
  Image image;
  image.width = image.height = side;
  image.channels = 3;
  image.pixels.resize(size_t(side) * side * 3);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < 3; ++c)
        image.pixels[(size_t(y) * side + x) * 3 + c] = uint8_t((x * (c + 1) + y * (3 - c)) * 255 / (4 * side));
  return std::make_shared<const Image>(std::move(image));
}

// With `picture` the three layers lie over a background picture, as in the reference's stream (its
// background is always an image, white by default, and the background prompt only steers the layers'
// prompt strength): the UNet batch is 3 layers × 5 steps = 15. Without, the background prompt is an
// all-ones layer of its own beneath them (this engine's default when there is no picture): batch 20.
}  // namespace

std::unique_ptr<StreamEngine> bench_stream(const Model& model, const BenchSettings& settings, int side, bool profile,
                                           bool picture) {
  StreamSettings stream_settings;
  stream_settings.decoder = StreamDecoder::Auto;
  stream_settings.profile_stages = profile;
  stream_settings.cuda_graphs = settings.cuda_graphs;
  if (settings.stream_mode == "regional") stream_settings.mode = StreamMode::RegionalAttention;
  auto engine = std::make_unique<StreamEngine>(model, stream_settings);
  StreamSnapshot snapshot;
  snapshot.width = snapshot.height = side;
  snapshot.seed = 1;
  snapshot.background.prompt = "a quiet valley at dawn";
  if (picture) snapshot.background.image = bench_picture(side);
  uint64_t id = 1;
  for (RegionLayer& layer : bench_layers(3)) snapshot.layers.push_back({id++, true, std::move(layer)});
  engine->apply(snapshot);
  return engine;
}

namespace {

BenchRow stream_row(const Model& model, const BenchSettings& settings, int side, bool profile, bool picture) {
  const bool regional = settings.stream_mode == "regional";
  const std::unique_ptr<StreamEngine> owned = bench_stream(model, settings, side, profile, picture);
  StreamEngine& engine = *owned;
  for (int i = 0; i < settings.warmup * 5; ++i) engine.step();
  const int frames = profile ? std::max(settings.frames / 4, 10) : settings.frames;
  StreamTimings sum;
  std::vector<double> ms;
  const auto start = Clock::now();
  for (int i = 0; i < frames; ++i) {
    const StreamFrame f = engine.step();  // the frame's bytes are on the host: the frame is done
    ms.push_back(f.timings.total_ms);
    sum.unet_ms += f.timings.unet_ms;
    sum.blend_ms += f.timings.blend_ms;
    sum.decode_ms += f.timings.decode_ms;
    sum.copy_ms += f.timings.copy_ms;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const int64_t items = engine.slots() * (regional ? 1 : picture ? 3 : 4);
  BenchRow row{"stream " + std::to_string(side) + "², " + (picture ? "3 layers over a picture, " : "bg + 3 layers, ") +
                   std::to_string(engine.slots()) +
                   (model_parts(model).family == ModelFamily::Sdxl ? " Euler steps, " : " LCM steps, ") +
                   (model_parts(model).taesd.is_empty() ? "VAE" : "TAESD") +
                   (regional ? ", regional attention" : "") + (profile ? " (profiled)" : "") +
                   (settings.cuda_graphs ? "" : ", no graphs"),
               median(ms), frames / wall, double(items) * unet_gflop(model, side, side), ""};
  if (profile) {
    // Text and masks cost nothing in a still layout; the edit benchmark of the app measures them.
    row.detail = format("UNet %.1f, blend %.2f, decode %.2f, copy %.2f ms/frame", sum.unet_ms / frames,
                        sum.blend_ms / frames, sum.decode_ms / frames, sum.copy_ms / frames);
  }
  return row;
}

std::vector<BenchRow> stream_rows(const Model& model, const BenchSettings& settings, int side) {
  return {stream_row(model, settings, side, false, true), stream_row(model, settings, side, true, true),
          stream_row(model, settings, side, false, false)};
}

// As the stream: over a picture the UNet batch is the 4 layers (the reference's one-shot render puts a
// white picture under them and uses the background prompt only for prompt strength); with a background
// prompt and no picture, this engine paints the prompt as a fifth, all-ones layer.
std::vector<BenchRow> region_rows(const Model& model, const BenchSettings& settings, int side) {
  std::vector<BenchRow> rows;
  for (bool picture : {true, false}) {
    RegionRequest request;
    request.width = request.height = side;
    request.sampling.tile_size = side;  // one view of the whole canvas: what the row's name and FLOP count say
    request.seed = 1;
    request.background.prompt = "a quiet valley at dawn";
    if (picture) request.background.image = bench_picture(side);
    request.layers = bench_layers(4);
    RegionResult last;
    const double ms = time_runs(model, settings.warmup, settings.repeat, [&] { last = render_regions(model, request); });
    const double items = picture ? 4.0 : 5.0;
    rows.push_back({"one-shot region render " + std::to_string(side) + "², " +
                        (picture ? "4 layers over a picture" : "bg + 4 layers") + ", 5 " +
                        infotext_sampler_name(last.sampler) + " steps, full VAE",
                    ms, 0, items * 5 * unet_gflop(model, side, side),
                    format("last run: text %.1f, encode + denoise %.1f, decode %.1f ms", last.timings.text_ms,
                           last.timings.denoise_ms, last.timings.decode_ms)});
  }
  return rows;
}

std::vector<BenchRow> panorama_row(const Model& model, const BenchSettings& settings, PanoramaMethod method) {
  PanoramaOptions options;
  options.prompt = "a photo of the dolomites";
  options.method = method;
  options.seed = 1;
  options.height = 512;
  std::string name;
  double samples = 0;
  if (method == PanoramaMethod::tiled) {
    options.width = 3072;
    options.view_batch_size = 64;  // every view in one call
    name = "tiled panorama 512×3072, 5 LCM steps, guidance 1";
    samples = 5.0 * 11;  // 11 views of 64 latents at stride 32
  } else {
    options.width = 2048;
    options.view_batch_size = 32;
    name = "MultiDiffusion panorama 512×2048, DDIM 50, CFG 7.5";
    samples = 50.0 * 25 * 2;  // 25 views at stride 8, two CFG halves
  }
  const double ms = time_runs(model, std::min(settings.warmup, 1), std::max(settings.repeat / 2, 1),
                              [&] { render_panorama(model, options); });
  return {{name, ms, 0, samples * unet_gflop(model, 512, 512), "views batched " + std::to_string(options.view_batch_size)}};
}

// Which attention kernel serves the UNet's shapes best: each of LibTorch's SDPA backends on its own,
// on the self-attention of the first two levels and the first level's cross-attention at batch 20.
std::vector<BenchRow> attention_rows(const Model& model, const BenchSettings& settings) {
  std::vector<BenchRow> rows;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)  // cuDNN attention
  torch::NoGradGuard no_grad;
  const ModelParts& parts = model_parts(model);
  if (!parts.device.is_cuda()) return rows;
  const auto options = torch::dtype(parts.dtype).device(parts.device);
  struct Shape {
    const char* name;
    int64_t queries, keys, head_dim;
  };
  const Shape shapes[] = {{"self 4096 tokens, head 40", 4096, 4096, 40},
                          {"self 1024 tokens, head 80", 1024, 1024, 80},
                          {"cross 4096×77, head 40", 4096, 77, 40}};
  auto& context = at::globalContext();
  struct Backend {
    const char* name;
    bool flash, efficient, cudnn;
  };
  const Backend backends[] = {{"default", true, true, true}, {"flash", true, false, false},
                              {"mem-efficient", false, true, false}, {"cuDNN", false, false, true}};
  for (const Shape& shape : shapes) {
    const torch::Tensor q = torch::randn({20, 8, shape.queries, shape.head_dim}, options);
    const torch::Tensor k = torch::randn({20, 8, shape.keys, shape.head_dim}, options);
    const torch::Tensor v = torch::randn({20, 8, shape.keys, shape.head_dim}, options);
    const double gflop = 4.0 * 20 * 8 * shape.queries * shape.keys * shape.head_dim / 1e9;
    for (const Backend& b : backends) {
      context.setSDPUseFlash(b.flash);
      context.setSDPUseMemEfficient(b.efficient);
      context.setSDPUseCuDNN(b.cudnn);
      context.setSDPUseMath(std::string(b.name) == "default");
      std::string detail;
      double ms = 0;
      try {
        ms = time_runs(model, settings.warmup + 1, settings.repeat * 4,
                       [&] { at::scaled_dot_product_attention(q, k, v); });
        detail = format("%.0f TFLOP/s", gflop / ms);
      } catch (const std::exception& e) {
        detail = "not available for this shape";
      }
      rows.push_back({std::string("attention ") + shape.name + ", batch 20×8, " + b.name, ms, 0, 0, detail});
    }
  }
  context.setSDPUseFlash(true);
  context.setSDPUseMemEfficient(true);
  context.setSDPUseCuDNN(true);
  context.setSDPUseMath(true);
#else
  (void)model;
  (void)settings;
#endif
  return rows;
}

// SyncDiffusion 512×2048, DDIM 50, CFG 7.5, sync on the first 10 steps, with a random AlexNet LPIPS
// (float32, frozen): the fast mode with TAESD and with the VAE in the gradient path, and the exact mode.
std::vector<BenchRow> sync_rows(const Model& model, const BenchSettings& settings) {
  torch::manual_seed(0);
  auto lpips = std::make_shared<LpipsImpl>(LpipsNet::Alex);
  lpips->to(model_parts(model).device, torch::kFloat32);
  lpips->eval();
  for (auto& p : lpips->parameters()) p.set_requires_grad(false);
  std::vector<BenchRow> rows;
  struct Variant {
    const char* name;
    bool fast;
    SyncDecoder decoder;
  };
  const bool taesd = !model_parts(model).taesd.is_empty();
  std::vector<Variant> variants = {{"fast, VAE gradients", true, SyncDecoder::vae}, {"exact", false, SyncDecoder::vae}};
  if (taesd) variants.insert(variants.begin(), Variant{"fast, TAESD gradients", true, SyncDecoder::taesd});
  for (const Variant& v : variants) {
    PanoramaOptions options;
    options.prompt = "a photo of the dolomites";
    options.method = PanoramaMethod::multidiffusion;
    options.seed = 1;
    options.width = 2048;
    options.height = 512;
    options.view_batch_size = 32;
    options.sync.enabled = true;
    options.sync.steps = 10;
    options.sync.lpips_model = lpips;
    options.sync.fast = v.fast;
    options.sync.decoder = v.decoder;
    options.sync.gradient_batch = 13;
    int views = 0;
    // One warm-up run at most: cuDNN's algorithm search for every new forward and backward shape would
    // otherwise land in the first variant's time.
    const double ms =
        time_runs(model, std::min(settings.warmup, 1), 1, [&] { views = render_panorama(model, options).views; });
    rows.push_back({std::string("SyncDiffusion 512×2048, DDIM 50, CFG 7.5, sync 10 steps, ") + v.name, ms, 0,
                    50.0 * views * 2 * unet_gflop(model, 512, 512),
                    std::to_string(views) + " views; TFLOP/s counts the forward UNet work only"});
  }
  return rows;
}

// What a painter feels: edits arrive as the app makes them — a stroke painted over four frames (the
// layer's mask grows each frame), then a prompt edit — and each edit is timed from its arrival to the
// first frame made with it and to the first settled frame that shows it fully. The engine makes frames as
// the app's live thread does (next_live_frame: one frame after another, a change settled at once once it
// has shown, unless --live-stepwise); a CPU canvas is 256² (the app's live size
// there), a GPU one 512². Then three new seeds, each timed to its settled picture: what opening a layout or
// resizing the canvas costs.
std::vector<BenchRow> live_rows(const Model& model, const BenchSettings& settings) {
  const int side = live_canvas_side(model, settings);
  // As the app's live picture runs on this device, unless --stream-mode says otherwise.
  StreamSettings stream_settings = live_stream_settings(model);
  stream_settings.cuda_graphs = settings.cuda_graphs;
  if (settings.stream_mode == "regional") stream_settings.mode = StreamMode::RegionalAttention;
  if (settings.stream_mode == "multidiffusion") stream_settings.mode = StreamMode::MultiDiffusion;
  if (settings.live_decodes != "app") stream_settings.settled_with_vae = false;
  if (settings.live_decodes == "every") stream_settings.decodes = StreamDecodes::EveryFrame;
  if (settings.live_decodes == "changes") stream_settings.decodes = StreamDecodes::ChangesAndSettled;
  if (settings.live_stepwise) stream_settings.settle_at_once = false;
  stream_settings.sampling.guidance = settings.live_guidance;
  if (settings.live_steps > 0) {
    GenerationSettings lcm;
    lcm.sampler = Sampler::lcm;
    lcm.steps = settings.live_steps;
    stream_settings.sampling.t_index_list = region_sampling(lcm).t_index_list;
  }
  StreamEngine engine(model, stream_settings);
  StreamSnapshot snapshot;
  snapshot.width = snapshot.height = side;
  snapshot.seed = 1;
  snapshot.background.prompt = "a quiet valley at dawn";
  uint64_t id = 1;
  for (RegionLayer& layer : bench_layers(3)) snapshot.layers.push_back({id++, true, std::move(layer)});
  snapshot.version = 1;
  engine.apply(snapshot);
  for (int i = 0; i < std::max(settings.warmup, 1) * engine.slots(); ++i) engine.step();

  std::vector<double> first_change, settled, frame_ms;
  static const char* prompts[] = {"a red brick house", "a small stone cottage"};
  const int edits = std::max(2, settings.frames / 10);  // --frames 100 → 10 strokes and 10 prompt edits
  const auto start = Clock::now();
  int frames = 0;
  for (int e = 0; e < edits; ++e) {
    // A stroke: the top layer's square grows to the right over four frames, then one prompt edit.
    for (int segment = 1; segment <= 5; ++segment) {
      ++snapshot.version;
      StreamLayer& top = snapshot.layers.back();
      if (segment <= 4) {
        torch::Tensor mask = top.region.mask.clone();
        mask.slice(0, 16, 48).slice(1, 16, std::min<int64_t>(64, 48 + 4 * segment)).fill_(1);
        if (e % 2) mask.slice(0, 16, 48).slice(1, 48, 64).zero_();  // odd strokes are erased back
        top.region.mask = mask;
      } else {
        top.region.prompt = prompts[e % 2];
      }
      const auto edited = Clock::now();
      engine.apply(snapshot);
      const bool wait_to_settle = segment >= 4;  // after the stroke is done and after the prompt edit
      bool changed = false;
      for (;;) {
        const StreamFrame f = engine.next_live_frame();
        ++frames;
        frame_ms.push_back(f.timings.total_ms);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - edited).count();
        if (!changed && f.version >= snapshot.version) {
          changed = true;
          first_change.push_back(ms);
        }
        if (!wait_to_settle || (f.settled && f.version >= snapshot.version)) {
          if (wait_to_settle) settled.push_back(ms);
          break;
        }
      }
    }
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  // A new seed restarts the stream as opening a layout or resizing the canvas does: every slot from noise.
  std::vector<double> restart;
  for (uint64_t seed = 2; seed < 5; ++seed) {
    const auto reseeded = Clock::now();
    engine.reseed(seed);
    while (!engine.next_live_frame().settled) {
    }
    restart.push_back(std::chrono::duration<double, std::milli>(Clock::now() - reseeded).count());
  }
  const auto percentile = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("live: first-change p50 %.0f ms p95 %.0f ms; settled p50 %.0f ms p95 %.0f ms; %.2f frames/s; "
              "a new seed's picture p50 %.0f ms\n",
              percentile(first_change, 0.5), percentile(first_change, 0.95), percentile(settled, 0.5),
              percentile(settled, 0.95), frames / wall, percentile(restart, 0.5));
  BenchRow row{"live " + std::to_string(side) + "², strokes and prompt edits, " + std::to_string(engine.slots()) +
                   " slots, " + (model_parts(model).taesd.is_empty() ? "VAE" : "TAESD") +
                   (settings.stream_mode == "regional" ? ", regional attention" : ""),
               percentile(settled, 0.5), frames / wall, 0,
               format("first change p50 %.0f / p95 %.0f ms, settled p95 %.0f ms, %.0f edits, new seed %.0f ms",
                      percentile(first_change, 0.5), percentile(first_change, 0.95), percentile(settled, 0.95),
                      double(first_change.size()), percentile(restart, 0.5))};
  return {row};
}

}  // namespace

int live_canvas_side(const Model& model, const BenchSettings& settings) {
  return settings.live_side > 0 ? settings.live_side : model.info().device == "cpu" ? 256 : 512;
}

double unet_gflop(const Model& model, int height, int width) {
  return unet_gflops(model_parts(model).unet->config(), height / 8, width / 8);
}

const std::vector<BenchWorkload>& bench_workloads() {
  static const std::vector<BenchWorkload> all = {
      {"unet", "the UNet alone at the model's size (512², SDXL 1024²), batch 1/5/15/20, eager and CUDA graph",
       unet_rows, true},
      {"attention", "each SDPA backend on the UNet's attention shapes (CUDA, LibTorch 2.x)", attention_rows},
      {"decode", "VAE and TAESD decode of one latent at the model's size", decode_rows, true},
      {"stream512", "stream engine 512², 3 layers over a picture (batch 15) and over a background prompt (20)",
       [](const Model& m, const BenchSettings& s) { return stream_rows(m, s, 512); }},
      {"stream768", "the same at 768²", [](const Model& m, const BenchSettings& s) { return stream_rows(m, s, 768); }},
      {"stream1024", "the same at 1024² (SDXL's size; Euler steps on SDXL)",
       [](const Model& m, const BenchSettings& s) { return stream_rows(m, s, 1024); }, true},
      {"region768", "one-shot region render 768², 4 layers over a picture (batch 4) and over a background prompt (5)",
       [](const Model& m, const BenchSettings& s) { return region_rows(m, s, 768); }, true},
      {"region1024", "the same at 1024² (SDXL's size)",
       [](const Model& m, const BenchSettings& s) { return region_rows(m, s, 1024); }, true},
      {"tiled3072", "fast tiled panorama 512×3072 (LCM, guidance 1, views batched)",
       [](const Model& m, const BenchSettings& s) { return panorama_row(m, s, PanoramaMethod::tiled); }, true},
      {"multidiffusion2048", "MultiDiffusion panorama 512×2048, DDIM 50, CFG 7.5",
       [](const Model& m, const BenchSettings& s) { return panorama_row(m, s, PanoramaMethod::multidiffusion); }, true},
      {"sync2048", "SyncDiffusion 512×2048, DDIM 50, sync on the first 10 steps (fast and exact)", sync_rows, true},
      {"live", "what a painter feels: strokes over several frames and prompt edits, time to the first changed and "
               "to the settled frame (256² on a CPU, 512² on a GPU)", live_rows},
      {"churn", "memory under the app's long run's edits: the live stream fed strokes, prompt edits, layers added "
                "and removed and mode switches for --churn-seconds; heap and RSS every 10 s and their growth after "
                "the first minute (not part of all)", churn_rows},
      {"profile", "Kineto trace of the UNet at batch 15 into --profile-dir (not part of all)", profile_rows},
  };
  return all;
}

}  // namespace palette::cli
