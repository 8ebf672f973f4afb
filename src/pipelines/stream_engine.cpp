// StreamEngine's bookkeeping: applying a snapshot as a difference against the previous one, and the
// stack's constants. The mode's batch is in stream_multidiffusion.cpp or stream_regional.cpp, the call
// itself in stream_step.cpp.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "models/cuda_graph.h"
#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/region_render.h"
#include "pipelines/stream_background.h"
#include "pipelines/stream_batch.h"
#include "pipelines/stream_state.h"

namespace palette {

namespace {

using pipeline::Clock;
using State = StreamEngine::State;

// Whether the snapshot's mask is the one already seen, without converting it: the same tensor, or
// an identical mask image.
bool same_mask_source(const RegionLayer& before, const RegionLayer& now) {
  if (now.mask.defined() || before.mask.defined())
    return now.mask.defined() && before.mask.defined() && now.mask.is_same(before.mask);
  return before.mask_image == now.mask_image;
}

// Layer ids as apply() uses them: 0 stands for the position + 1. Throws on a duplicate.
std::vector<uint64_t> layer_ids(const StreamSnapshot& snapshot) {
  std::vector<uint64_t> ids;
  std::set<uint64_t> seen;
  for (size_t i = 0; i < snapshot.layers.size(); ++i) {
    const uint64_t id = snapshot.layers[i].id != 0 ? snapshot.layers[i].id : uint64_t(i) + 1;
    if (!seen.insert(id).second)
      throw Error("layers[" + std::to_string(i) + "].id " + std::to_string(id) +
                  " is used by an earlier layer (ids must be unique)");
    ids.push_back(id);
  }
  return ids;
}

// Everything of a new snapshot that needs no model: size, layer settings, ids.
void validate_snapshot(const StreamSnapshot& snapshot) {
  pipeline::check_canvas_side("width", snapshot.width);
  pipeline::check_canvas_side("height", snapshot.height);
  if (snapshot.background.image) validate_background_image(*snapshot.background.image, "background.image");
  for (size_t i = 0; i < snapshot.layers.size(); ++i)
    validate_region_layer_settings(snapshot.layers[i].region, "layers[" + std::to_string(i) + "]");
  layer_ids(snapshot);
}

// New size or seed: a new canvas (noise, white latents) and an empty layer table.
void restart(State& s, StreamDerived& d, const StreamSnapshot& snapshot) {
  const ModelParts& parts = *s.parts;
  const auto on_model = torch::dtype(parts.dtype).device(parts.device);
  const int64_t h = snapshot.height / s.factor, w = snapshot.width / s.factor;
  // Draw order (documented in stream.h's tests): the background's posterior sample, the bootstrap
  // white's, then slot 0 … T−1's noise, each (1, 4, h, w) from PyTorch's CPU generator.
  SeededNoise noise(snapshot.seed);
  const GaussianPosterior posterior = white_posterior(parts, snapshot.height, snapshot.width);
  d = StreamDerived{};
  StreamCanvas& c = d.canvas;
  // The draw is kept: a background image's posterior sample takes the same one (stream_background.h).
  c.background_draw = noise.randn(posterior.mean.sizes(), on_model);
  c.white_background = posterior_latent(posterior, parts, c.background_draw);
  c.background_latent = c.white_background;
  c.white_latent = posterior_latent(posterior, parts, noise);
  std::vector<torch::Tensor> slots;
  for (int64_t k = 0; k < s.slots; ++k)
    slots.push_back(noise.randn({1, parts.unet->config().in_channels, h, w}, on_model));
  c.init_noise = torch::cat(slots);
  if (parts.text_encoder_2)  // SDXL: the canvas is both the original and the target size, as the one-shot render's
    c.time_ids = sdxl_time_ids(parts, {int(snapshot.height), int(snapshot.width)}, {0, 0},
                               {int(snapshot.height), int(snapshot.width)});
  d.table.background.mask = torch::ones({1, 1, snapshot.height, snapshot.width});
  d.table.background.empty = false;
  ++s.stats.restarts;
}

// Brings the table of enabled layers up to date with `snapshot` and returns the new active list.
// Converts only masks whose source changed.
std::vector<uint64_t> update_layers(StreamLayerTable& l, const StreamSnapshot& snapshot, const std::vector<uint64_t>& ids) {
  std::map<uint64_t, StreamLayerState> next;
  std::vector<uint64_t> active;
  for (size_t i = 0; i < snapshot.layers.size(); ++i) {
    const StreamLayer& layer = snapshot.layers[i];
    if (!layer.enabled) continue;
    auto found = l.layers.find(ids[i]);
    StreamLayerState st = found != l.layers.end() ? found->second : StreamLayerState{};
    const bool known = found != l.layers.end();
    // A revision, when the owner keeps one, decides alone; otherwise the source and then the values.
    const bool revised = layer.mask_revision != 0 && st.mask_revision != 0 &&
                         st.revision_scope == snapshot.revision_scope;
    const bool same_source =
        revised ? layer.mask_revision == st.mask_revision : same_mask_source(st.source, layer.region);
    if (!known || !same_source) {
      const torch::Tensor mask =
          region_layer_mask(layer.region, "layers[" + std::to_string(i) + "]", snapshot.height, snapshot.width);
      if (!known || revised || !torch::equal(mask, st.mask)) {
        const torch::Tensor painted = mask > 0;
        if (!known || !torch::equal(painted, st.painted)) ++st.painted_revision;
        st.mask = mask;
        st.painted = painted;
        st.empty = !painted.any().item<bool>();
        st.quantized = torch::Tensor();
      }
    }
    if (known && (st.source.mask_blur_std != layer.region.mask_blur_std ||
                  st.source.mask_strength != layer.region.mask_strength))
      st.quantized = torch::Tensor();
    st.source = layer.region;
    st.mask_revision = layer.mask_revision;
    st.revision_scope = snapshot.revision_scope;
    next[ids[i]] = std::move(st);
    if (!next[ids[i]].empty) active.push_back(ids[i]);
  }
  l.layers = std::move(next);
  return active;
}

// The cover a layer's weights depend on: the painted areas of the active layers above it.
std::vector<std::pair<uint64_t, uint64_t>> cover_above(const State& s, const StreamLayerTable& l,
                                                       const std::vector<uint64_t>& active, size_t first_above) {
  std::vector<std::pair<uint64_t, uint64_t>> cover;
  if (s.settings.sampling.cover_alpha <= 0) return cover;
  for (size_t j = first_above; j < active.size(); ++j)
    cover.emplace_back(active[j], l.layers.at(active[j]).painted_revision);
  return cover;
}

// Runs the mask pipeline for the layers whose weights are missing or were made under another cover.
// Returns whether any layer's weights changed.
bool process_changed_masks(State& s, StreamDerived& d, const StreamSnapshot& snapshot,
                           const std::vector<uint64_t>& active) {
  std::vector<StreamLayerState*> stack = stream_stack(d, active);
  const size_t below = stack.size() - active.size();  // 1 with the all-ones background layer, else 0
  std::vector<int64_t> todo;
  for (size_t i = 0; i < stack.size(); ++i) {
    auto cover = cover_above(s, d.table, active, i + 1 - below);  // the active layers above stack index i
    if (!stack[i]->quantized.defined() || stack[i]->cover != cover) todo.push_back(int64_t(i));
    stack[i]->cover = std::move(cover);
  }
  if (todo.empty()) return false;
  MaskOptions options = region_mask_options(s.settings.sampling, snapshot.height, snapshot.width, s.factor);
  // Per-layer kernels: a change of one layer's blur then never touches another layer's weights.
  options.blur_window = BlurWindow::PerLayer;
  options.blur_std.clear();
  options.strength.clear();
  std::vector<torch::Tensor> masks;
  for (size_t i = 0; i < stack.size(); ++i) {
    masks.push_back(stack[i]->mask);
    const bool background = stack[i] == &d.table.background;
    options.blur_std.push_back(background ? 0.0 : stack[i]->source.mask_blur_std);
    options.strength.push_back(background ? 1.0 : stack[i]->source.mask_strength);
  }
  const ProcessedMasks processed = process_masks(torch::cat(masks), s.noise_levels, options, todo);
  for (size_t j = 0; j < todo.size(); ++j) {
    StreamLayerState& st = *stack[size_t(todo[j])];
    st.quantized =
        processed.quantized.slice(0, int64_t(j), int64_t(j) + 1).to(s.parts->device, s.parts->dtype);
    st.blurred = processed.blurred.slice(0, int64_t(j), int64_t(j) + 1).to(s.parts->device);
  }
  s.stats.masks_processed += int64_t(todo.size());
  return true;
}

// Encodes the prompts not cached and re-mixes the layers' embeddings. Returns whether any changed.
bool update_embeddings(State& s, StreamLayerTable& l, const StreamSnapshot& snapshot,
                       const std::vector<uint64_t>& active) {
  const auto start = Clock::now();
  std::vector<std::string> texts = {snapshot.background.prompt};
  if (s.cfg) texts.push_back(snapshot.background.negative_prompt);
  for (uint64_t id : active) {
    texts.push_back(l.layers.at(id).source.prompt);
    if (s.cfg) texts.push_back(l.layers.at(id).source.negative_prompt);
  }
  const auto e = s.prompts->get(texts);
  s.stats.prompts_encoded = s.prompts->texts_encoded();
  s.stats.encoder_calls = s.prompts->encoder_calls();
  s.pending.text_ms += stream_stage_ms(s, start);

  bool changed = false;
  // Cached embeddings keep their identity, so an unchanged one is recognised without comparing.
  auto assign = [&changed](torch::Tensor& slot, const torch::Tensor& value) {
    if (slot.defined() && (slot.is_same(value) || torch::equal(slot, value))) return;
    changed = true;
    slot = value;
  };
  const TextConditioning& bg = e.at(snapshot.background.prompt);
  const TextConditioning bg_neg = s.cfg ? e.at(snapshot.background.negative_prompt) : TextConditioning{};
  assign(l.background.cond, bg.hidden);
  if (bg.pooled.defined()) assign(l.background.pooled_cond, bg.pooled);
  if (s.cfg) assign(l.background.uncond, bg_neg.hidden);
  if (s.cfg && bg_neg.pooled.defined()) assign(l.background.pooled_uncond, bg_neg.pooled);
  for (uint64_t id : active) {
    StreamLayerState& st = l.layers.at(id);
    const double strength = st.source.prompt_strength;
    // Towards the background's, the pooled SDXL embeddings as well (as the one-shot render).
    auto mixed = [&](const torch::Tensor& background, const torch::Tensor& layer) {
      return strength == 1.0 ? layer : towards_background(background, layer, strength);
    };
    const TextConditioning& own = e.at(st.source.prompt);
    assign(st.cond, mixed(bg.hidden, own.hidden));
    if (own.pooled.defined()) assign(st.pooled_cond, mixed(bg.pooled, own.pooled));
    if (s.cfg) {
      const TextConditioning& own_neg = e.at(st.source.negative_prompt);
      assign(st.uncond, mixed(bg_neg.hidden, own_neg.hidden));
      if (own_neg.pooled.defined()) assign(st.pooled_uncond, mixed(bg_neg.pooled, own_neg.pooled));
    }
  }
  return changed;
}

// The stack's constants and the mode's batch for the active layers.
void rebuild_constants(State& s, StreamDerived& d, const std::vector<uint64_t>& active) {
  const std::vector<StreamLayerState*> stack = stream_stack(d, active);
  StreamLayerTable& t = d.table;
  t.active = active;
  ++s.stats.constant_rebuilds;
  update_photo_cover(d, stack);
  d.batch = nullptr;
  t.masks = torch::Tensor();
  if (stack.empty()) return;  // nothing painted over a background image: no batch, frames are the picture
  std::vector<torch::Tensor> masks;
  StackEmbeddings e;
  for (const StreamLayerState* st : stack) {
    masks.push_back(st->quantized);
    e.cond.push_back(st->cond);
    if (s.cfg) e.uncond.push_back(st->uncond);
    if (st->pooled_cond.defined()) e.pooled_cond.push_back(st->pooled_cond);
    if (s.cfg && st->pooled_uncond.defined()) e.pooled_uncond.push_back(st->pooled_uncond);
  }
  t.masks = torch::cat(masks);  // (p, T, 1, h, w)
  // As the one-shot pipeline: the background latent takes part only where the layers leave some
  // pixel uncovered at some step, and then slot 0 starts from it when the first step is not pure noise.
  t.has_background = (1 - t.masks.sum(0)).clamp(0, 1).sum().item<double>() > 0;
  t.slot0 = d.canvas.init_noise.slice(0, 0, 1);
  const bool from_background = s.schedule.timesteps[0] < 999 && t.has_background;
  if (s.schedule.euler())  // sigma-space latents: the noise (over the background) at the first σ
    t.slot0 = from_background ? d.canvas.background_latent + s.schedule.sigmas[0] * t.slot0
                              : s.schedule.sigmas[0] * t.slot0;
  else if (from_background)
    t.slot0 = s.schedule.scheduler->add_noise(d.canvas.background_latent, t.slot0,
                                              torch::tensor({s.schedule.timesteps[0]}, torch::kInt64));
  if (s.schedule.euler()) {  // at each slot's next σ, noised by slot 0's draw as in the one-shot render
    const std::vector<float> next(s.schedule.sigmas.begin() + 1, s.schedule.sigmas.end());
    const torch::Tensor& latent = d.canvas.background_latent;
    const torch::Tensor sigmas = torch::tensor(next).view({-1, 1, 1, 1}).to(latent.device());
    t.uncovered_background =
        (latent.to(torch::kFloat) + sigmas * d.canvas.init_noise.slice(0, 0, 1).to(torch::kFloat))
            .to(latent.scalar_type());
  } else {
    t.uncovered_background = d.canvas.background_latent;
  }
  d.batch = s.make_batch(s, d, e);
  t.photo_blend = d.canvas.photo && t.has_background;  // as the one-shot render's do_blend
}

// Where a frame stands: the snapshot it shows, its place among the frames and the change's slots done.
void set_frame_position(const StreamEngine::State& s, StreamFrame& frame) {
  frame.version = s.version;
  frame.index = uint64_t(s.stats.frames);
  frame.steps_total = int(s.slots);
  frame.steps_done = int(std::min<int64_t>(s.calls_since_change, s.slots));
}

// A frame's picture and counters once its latent is made (step, settle): decoded when StreamDecodes shows
// it, a settled one by the full VAE once per change with settled_with_vae.
StreamFrame finish_frame(StreamEngine::State& s, StreamFrame frame, const torch::Tensor& latent, Clock::time_point start) {
  frame.settled = s.calls_since_change >= s.slots;
  const bool shown = s.settings.decodes == StreamDecodes::EveryFrame || s.calls_since_change <= 1 || frame.settled;
  if (shown && frame.settled && s.settings.settled_with_vae && s.use_taesd && latent.defined()) {
    // Every settled frame of one change is the same picture: decoded once.
    if (!s.settled_picture) s.settled_picture = stream_decode(s, latent, frame.timings, /*with_vae=*/true);
    frame.image = *s.settled_picture;
  } else if (shown) {
    frame.image = stream_decode(s, latent, frame.timings);
  }
  set_frame_position(s, frame);
  // The frame's bytes are on the host, so its device work is done: no synchronisation to time it.
  frame.timings.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count() +
                           frame.timings.text_ms + frame.timings.masks_ms;
  return frame;
}

}  // namespace

StreamEngine::StreamEngine(const Model& model, StreamSettings settings) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.parts = &model_parts(model);
  s.settings = std::move(settings);
  RegionRequest check;
  check.sampling = s.settings.sampling;
  validate_region_request(check);
  s.schedule = region_schedule(*s.parts, s.settings.sampling);
  s.noise_levels = mask_noise_levels(s.schedule.scheduler->alphas_cumprod(), s.schedule.timesteps);
  s.slots = int64_t(s.schedule.timesteps.size());
  s.next_timesteps = torch::tensor(s.schedule.timesteps, torch::kInt64).slice(0, 1);
  s.factor = s.parts->vae->config().downscale_factor();
  s.cfg = uses_classifier_free_guidance(*s.parts, s.settings.sampling.guidance);
  const bool has_taesd = !s.parts->taesd.is_empty();
  if (s.settings.decoder == StreamDecoder::Taesd && !has_taesd)
    throw Error("decoder: TAESD was asked for but the model has none (load it with the taesd option)");
  s.use_taesd = s.settings.decoder == StreamDecoder::Taesd || (s.settings.decoder == StreamDecoder::Auto && has_taesd);
  s.prompts = std::make_unique<PromptCache>(*s.parts);
  s.unet = std::make_unique<UNetGraphRunner>(s.parts->unet, s.settings.cuda_graphs);
  s.frames = std::make_unique<StreamFrameStage>(*s.parts, s.use_taesd, s.settings.cuda_graphs);
  s.make_batch = s.settings.mode == StreamMode::RegionalAttention ? make_regional_batch : make_multidiffusion_batch;
}

StreamEngine::~StreamEngine() = default;

int StreamEngine::slots() const { return int(state_->slots); }
bool StreamEngine::has_snapshot() const { return state_->snapshot.has_value(); }
const StreamStats& StreamEngine::stats() const { return state_->stats; }

void StreamEngine::apply(const StreamSnapshot& snapshot) {
  State& s = *state_;
  validate_snapshot(snapshot);
  torch::NoGradGuard no_grad;
  const std::vector<uint64_t> ids = layer_ids(snapshot);
  const bool new_canvas = !s.snapshot || s.snapshot->width != snapshot.width ||
                          s.snapshot->height != snapshot.height || s.snapshot->seed != snapshot.seed;
  StreamDerived next = s.derived;
  if (new_canvas) restart(s, next, snapshot);
  const bool background_changed = update_stream_background(s, next.canvas, snapshot);
  auto start = Clock::now();
  const std::vector<uint64_t> active = update_layers(next.table, snapshot, ids);
  const bool masks_changed = process_changed_masks(s, next, snapshot, active);
  s.pending.masks_ms += stream_stage_ms(s, start);
  const bool embeddings_changed = update_embeddings(s, next.table, snapshot, active);
  start = Clock::now();
  const bool rebuild =
      new_canvas || background_changed || masks_changed || embeddings_changed || active != next.table.active;
  if (rebuild) rebuild_constants(s, next, active);
  s.pending.masks_ms += stream_stage_ms(s, start);

  // Nothing below throws: the snapshot is now current.
  s.derived = std::move(next);
  s.snapshot = snapshot;
  s.version = snapshot.version;
  if (rebuild) {
    s.calls_since_change = 0;
    s.settled_picture.reset();
  }
  if (new_canvas) {
    s.buffer = torch::Tensor();
    flush();
  }
}

void StreamEngine::reseed(uint64_t seed) {
  State& s = *state_;
  if (!s.snapshot) throw Error("reseed: no snapshot was applied yet");
  StreamSnapshot next = *s.snapshot;
  next.seed = seed;
  if (next.seed == s.snapshot->seed) s.snapshot->seed = ~seed;  // a restart even for the same seed
  apply(next);
}

void StreamEngine::flush() {
  State& s = *state_;
  if (!s.snapshot) throw Error("flush: no snapshot was applied yet");
  torch::NoGradGuard no_grad;
  StreamTimings ignored;
  if (!s.derived.batch) return;  // no batch: frames are the background image
  if (!s.settings.settle_at_once) {
    for (int64_t k = 0; k < s.slots; ++k) stream_call(s, ignored);
    return;
  }
  // Every item the stream would hold starts from the same per-slot noise, so the slots along the diagonal
  // are the buffer T stream calls leave, for a T-th of their UNet work: a new layout or seed shows sooner.
  // Slots already run with this snapshot are final. With CUDA graphs the last slot comes from a stream call
  // instead (its input is final by then): the batch's graph is recorded here, not in the first stroke's frame,
  // and a batch too large for the device fails here, while the layout opens.
  // (Not while another thread's one-shot work keeps recordings out: the call would only run eagerly.)
  const bool record = s.unet->graphs_enabled() && !EagerGpuWork::running();
  for (int64_t k = std::min(s.calls_since_change, s.slots); k < s.slots; ++k) {
    if (record && k == s.slots - 1) {
      stream_call(s, ignored);
    } else {
      stream_settle_slot(s, k, ignored);
      ++s.stats.frames;
    }
  }
}

StreamFrame StreamEngine::step() {
  State& s = *state_;
  if (!s.snapshot) throw Error("step: no snapshot was applied yet");
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  StreamFrame frame;
  frame.timings = s.pending;
  s.pending = StreamTimings{};
  torch::Tensor latent;
  if (s.derived.batch) {
    latent = stream_call(s, frame.timings);
  } else {  // nothing painted over a background image: the frame is the picture itself, at once
    ++s.stats.frames;
    s.calls_since_change = s.slots;
  }
  return finish_frame(s, std::move(frame), latent, start);
}

StreamFrame StreamEngine::settle(const std::function<bool()>& interrupted) {
  State& s = *state_;
  if (!s.snapshot) throw Error("settle: no snapshot was applied yet");
  if (!s.derived.batch) return step();
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  StreamFrame frame;
  frame.timings = s.pending;
  s.pending = StreamTimings{};
  if (s.calls_since_change >= s.slots && s.last_latent.defined()) {
    // Settled already (by a flush along the diagonal, or an earlier settle): its picture again, without the
    // stream call that would give the same one.
    ++s.stats.frames;
    return finish_frame(s, std::move(frame), s.last_latent, start);
  }
  const int64_t first = s.calls_since_change;
  for (int64_t k = first; k < s.slots; ++k) {
    // Asked from the second slot on: every settle makes progress, however fast snapshots that change
    // nothing for the stream arrive.
    if (k > first && interrupted && interrupted()) {
      s.pending = frame.timings;  // this frame shows nothing: its work is reported with the next one
      set_frame_position(s, frame);
      return frame;  // no picture: the slots done so far stay, step() goes on from them
    }
    stream_settle_slot(s, k, frame.timings);
  }
  ++s.stats.frames;
  return finish_frame(s, std::move(frame), s.last_latent, start);
}

StreamFrame StreamEngine::next_live_frame(const std::function<bool()>& interrupted) {
  const State& s = *state_;
  const bool shown = s.calls_since_change >= 1;  // the change's first frame is out
  return s.settings.settle_at_once && shown ? settle(interrupted) : step();
}

}  // namespace palette
