// The real-time region engine (StreamMultiDiffusion's stream batch, docs/algorithms.md §4 "Stream batch"):
// the T denoising steps of the region pipeline run as T slots of one UNet batch, so every call makes a
// new frame while the painted regions keep changing under it.
//
//   palette::StreamEngine engine(model);                  // SD model, ideally with TAESD and LCM weights
//   palette::StreamSnapshot s;                            // what the user painted, immutable once given
//   s.version = 1; s.seed = 7;
//   s.background.prompt = "a sunny meadow";
//   s.layers.push_back({1, true, house});                 // id, enabled, palette::RegionLayer
//   engine.apply(s);                                      // diffs against the previous snapshot
//   palette::StreamFrame f = engine.step();               // one frame, RGBA8
//
//   palette::LiveStream live(model);                      // the same on its own thread
//   live.publish(std::make_shared<const palette::StreamSnapshot>(s));   // never blocks
//   if (auto frame = live.take_frame()) show(*frame);     // never blocks; newest finished frame
//
// Slot k holds a latent at the k-th timestep; each call denoises every slot, blends the layers' x0
// by their masks, hands slot T−1's blend out as the frame and re-noises the others into the next
// slot with fixed per-slot noise. A frame therefore reflects an edit fully T calls after it (`flush` and
// `settle` get there at once, along the diagonal), and a constant snapshot gives a constant picture.
//
// Differences from the authors' stream, on purpose: slot 0 starts from fixed noise (the reference
// draws fresh unseeded noise every frame, which makes a still picture flicker); the background latent is
// blended in x0 space as in the one-shot pipeline (the reference noises it with step indices instead
// of timesteps, a reference bug, docs/algorithms.md §4); bootstrapping centres and removes leaks only
// in the bootstrap slots, as the one-shot pipeline does. In steady state the frame equals the one-shot
// render_regions with the same noise; a test proves it.
//
// A background image (s.background.image, see palette/regions.h) is encoded once when it changes
// (TAESD's encoder when frames are decoded with TAESD, else the VAE's), without a restart; every frame
// is then blended into it through the layers' blurred masks, so unpainted pixels show the image itself.
// With nothing painted the frames are the image. Mask blur σ 8–32 gives soft seams in this mode.
//
// Failures: palette::Error naming the field for an invalid snapshot or setting; the engine then
// keeps the previous snapshot. Thread safety: StreamEngine is used from one thread at a time;
// LiveStream's methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "palette/error.h"
#include "palette/image.h"
#include "palette/regions.h"

namespace palette {

class Model;

struct StreamLayer {
  uint64_t id = 0;      // unique within a snapshot (0 = its position + 1); edits are matched by it
  bool enabled = true;  // disabled layers take no part, as if absent
  RegionLayer region;   // prompt, negative prompt, mask (any size, resized), strengths, blur
  // The mask's revision as its owner counts them (the document's per-layer count), or 0 when unknown.
  // With one, an unchanged revision is the same mask without looking at it and a new one is converted
  // once, without comparing values.
  uint64_t mask_revision = 0;
};

// One immutable state of the painting (canvas, background, layers). Masks without a revision are compared
// by tensor identity first (an unchanged mask handed over as the same tensor) and by value otherwise.
struct StreamSnapshot {
  uint64_t version = 0;  // frames report the newest version they were made with
  int width = 512;       // pixels: a multiple of 8, 64 … kMaxImageSide; a new size restarts the stream
  int height = 512;
  uint64_t seed = 0;  // the per-slot noise comes from it; a new seed restarts the stream
  // Layers' mask revisions are compared only within one scope (the document's id): another document's
  // layer 1 at revision 3 is not this one's.
  uint64_t revision_scope = 0;
  RegionBackground background;
  std::vector<StreamLayer> layers;  // bottom to top
};

enum class StreamDecoder {
  Auto,   // TAESD when the model has one, else the full VAE
  Taesd,  // an error at construction when the model has none
  Vae,
};

// Which frames are decoded to pictures.
enum class StreamDecodes {
  EveryFrame,
  // The first frame after a change (the edit shows at once) and the settled one; the frames between
  // only advance the slots and come without a picture. For a slow decoder: on two CPU cores the VAE's
  // decode is 0.5 s of a 0.84 s frame, so a 3-step change settles a decode sooner.
  ChangesAndSettled,
};

// How the layers' prompts meet in one frame.
enum class StreamMode {
  // Exact: every slot runs the UNet once per layer (batch T·p) and the layers' x0 are blended by
  // their masks (docs/algorithms.md §4).
  MultiDiffusion,
  // Regional cross-attention (docs/algorithms.md §7): one UNet pass per slot (batch T) whose
  // cross-attention layers attend to each layer's prompt and mix the results by the slot's masks,
  // normalised per pixel (where no mask covers a pixel at a slot, every layer counts alike). p× less
  // UNet work; the picture differs from MultiDiffusion's (layers share one latent, so edges blend
  // through the network rather than in x0). The background latent is blended as in MultiDiffusion;
  // bootstrapping (bootstrap_steps) is a MultiDiffusion feature and is not applied.
  RegionalAttention,
};

struct StreamSettings {
  RegionSampling sampling = stream_sampling();  // tile_size is not used: the stream is one view
  StreamDecoder decoder = StreamDecoder::Auto;
  StreamMode mode = StreamMode::MultiDiffusion;
  // Measure every stage with a device synchronisation between them (for benchmarks; it stalls a GPU
  // pipeline, so frames are slower with it on). Off: only the whole frame is timed.
  bool profile_stages = false;
  // On CUDA, record the stream batch's UNet call as a CUDA graph once per batch shape and replay it
  // every frame (same result, a fraction of the launch overhead). A new layer count or canvas size
  // records again. No effect on the CPU or without LibTorch CUDA support.
  bool cuda_graphs = true;
  StreamDecodes decodes = StreamDecodes::EveryFrame;
  // With TAESD decoding the frames: decode the settled frames (the picture that stays on screen once an
  // edit has shown fully) with the full VAE instead, once per change. Live frames stay fast and the picture
  // the painter looks at is the sharper one (on two CPU cores, 256², the built-in model: settled about 0.65 s
  // later, bench/RESULTS.md; regions classified as painted 43.7 → 57.3 %, bench/default-model/live).
  bool settled_with_vae = false;
  // Live frames (next_live_frame): once a change has shown, settle it at once along the diagonal (settle)
  // instead of T − 1 more stream calls, and flush a new canvas or seed the same way (T calls of one slot
  // each instead of T of all of them). The picture is the same; it comes a few times sooner (bench/RESULTS.md).
  bool settle_at_once = true;
  // The reference stream's defaults: continuous masks (soft edges), otherwise as the one-shot render.
  static RegionSampling stream_sampling() {
    RegionSampling s;
    s.mask_type = RegionMaskType::Continuous;
    return s;
  }
};

struct StreamTimings {  // milliseconds of this frame's work (stages only with profile_stages)
  double text_ms = 0;     // prompt encoding of changed prompts
  double masks_ms = 0;    // mask processing of changed masks and the per-layer constants
  double unet_ms = 0;     // the stream batch
  double blend_ms = 0;    // x0, the masked blend and re-noising
  double decode_ms = 0;   // TAESD or VAE
  double copy_ms = 0;     // to 8 bits and to the host
  double total_ms = 0;
};

struct StreamFrame {
  Image image;             // width × height RGBA8 (alpha 255); empty when StreamDecodes skipped it
  uint64_t version = 0;    // the snapshot version applied when the frame was made
  uint64_t index = 0;      // frames made by the engine so far, this one included (from 1)
  bool settled = false;    // true when every slot has run with `version` (the edit shows fully)
  int steps_done = 0;      // slots that have run with `version` so far, at most steps_total
  int steps_total = 0;     // the slots (denoising steps) a change takes to settle
  StreamTimings timings;
};

// What the engine has done since it was made; tests use it to prove that edits cost only their part.
struct StreamStats {
  int64_t prompts_encoded = 0;    // texts run through the text encoder (cache misses)
  int64_t encoder_calls = 0;      // text-encoder invocations (each encodes a batch of texts)
  int64_t masks_processed = 0;    // layer masks run through the mask pipeline
  int64_t constant_rebuilds = 0;  // rebuilds of the per-layer batch constants (embeddings, masks)
  int64_t restarts = 0;           // full restarts: new size, new seed, or the first snapshot
  int64_t background_encodes = 0;  // background images encoded (one per new image, size or seed)
  int64_t unet_calls = 0;
  int64_t frames = 0;             // steps taken, flushed or decoded
};

class StreamEngine {
 public:
  // Checks `settings` (palette::Error naming the field; an index_steps the sampler cannot do; a
  // decoder the model lacks). The model must outlive the engine.
  explicit StreamEngine(const Model& model, StreamSettings settings = {});
  ~StreamEngine();
  StreamEngine(const StreamEngine&) = delete;
  StreamEngine& operator=(const StreamEngine&) = delete;

  // Makes `snapshot` current, redoing only what changed: a changed prompt is encoded (texts are
  // cached), a changed mask, blur or mask strength reprocesses that layer (and the layers under it
  // when its painted area changed, since a layer covers those beneath it), an added, removed,
  // disabled or reordered layer rebuilds the per-layer constants; a new size or seed restarts and
  // flushes. Layers with nothing painted take no part. Throws palette::Error naming the field
  // (e.g. "layers[2].mask: …") and keeps the previous snapshot.
  void apply(const StreamSnapshot& snapshot);

  // One stream-batch call: returns the new frame. Throws palette::Error when no snapshot was applied.
  StreamFrame step();
  // The rest of the current change at once, along the diagonal: each slot that has not yet run with it is
  // denoised alone, from the previous slot's result, as a one-shot render steps (a UNet call of p items, or
  // one in regional attention, instead of T·p or T); then the settled frame. That is the picture and the
  // slots T − steps_done more step()s would give (up to float rounding: the batches differ), for about a
  // T-th of their UNet work. `interrupted` is asked before each slot after the first: when it says yes (an
  // edit waits) the frame comes back without a picture and not settled, and step() goes on from the slots
  // done. An already settled change gives its settled frame again (decoded, no UNet call). Throws as step().
  StreamFrame settle(const std::function<bool()>& interrupted = {});
  // The live picture's next frame: step() for the first frame of a change (the edit shows at once), then,
  // with StreamSettings::settle_at_once, settle(interrupted); step() otherwise.
  StreamFrame next_live_frame(const std::function<bool()>& interrupted = {});
  // Runs every slot with the current snapshot without decoding, so the next frame fully shows it: with
  // StreamSettings::settle_at_once the slots not yet run with it, along the diagonal (as settle; with CUDA
  // graphs the last one as a stream call, which records the batch's graph), else T stream calls.
  void flush();
  // New per-slot noise from `seed` (a restart with flush).
  void reseed(uint64_t seed);

  int slots() const;  // T
  bool has_snapshot() const;
  const StreamStats& stats() const;

  struct State;  // defined in the engine (src/pipelines/stream_state.h)

 private:
  friend struct StreamEngineInternals;  // the engine's own files and tests read the state through it
  std::unique_ptr<State> state_;
};

// A canvas side halved, rounded down to a multiple of 8 and at least 64, `halvings` times: the sizes a live
// picture is made smaller to (on a CPU, or after running out of memory); masks of any size are resized.
std::pair<int, int> halved_canvas(int width, int height, int halvings);

// `base` as the live picture runs it on `model`'s device: on a CPU regional attention (one UNet item per
// slot), and without a tiny decoder StreamDecodes::ChangesAndSettled, with one settled_with_vae; on a GPU
// `base` unchanged.
// The app and `palette bench -w live` both use it.
StreamSettings live_stream_settings(const Model& model, StreamSettings base = {});

// The picture a fresh engine with `settings`, without CUDA graphs, makes of `snapshot` in one step (a first
// snapshot fills every slot): the plain computation a live picture is checked against (the app's picture
// check; `palette bench -w churn`'s checks make the same work). Throws as StreamEngine. Beside live
// streams on a GPU it behaves as render_regions does (palette/regions.h).
Image fresh_stream_picture(const Model& model, StreamSettings settings, const StreamSnapshot& snapshot);

// A StreamEngine on a thread of its own for its lifetime (a thread reused from earlier streams when one is
// idle, so that CUDA libraries' per-thread state is not made again for every stream). The engine is made and
// destroyed on the stream's thread, so constructing a LiveStream never waits for the device; an engine that
// cannot be made (settings StreamEngine rejects, the device's memory) is reported by last_error(), and that
// stream makes no frames. The thread waits for the first
// snapshot; it then makes frames as fast as it can (StreamEngine::next_live_frame: an edit's first frame
// from a stream step, then, unless another edit waits, the rest of the change at once), picking up the
// newest published snapshot before each frame (intermediate ones are skipped), until a frame has settled:
// with the fixed per-slot noise every later frame would be the same picture, so the thread idles (no CPU or GPU work, and the next
// edit starts at once instead of after a redundant frame) until something new is published or reseeded.
class LiveStream {
 public:
  // `model` must outlive the stream.
  explicit LiveStream(const Model& model, StreamSettings settings = {});
  ~LiveStream();  // shutdown()
  LiveStream(const LiveStream&) = delete;
  LiveStream& operator=(const LiveStream&) = delete;

  // Hands the engine a new snapshot. Never waits for the engine. A snapshot the engine rejects is
  // reported by last_error() and the stream goes on with the previous one.
  void publish(std::shared_ptr<const StreamSnapshot> snapshot);
  // The newest frame not taken before, or null when none is new. Never waits for the engine. Frames
  // come out in the order they were made: a frame's index and version never go down.
  std::shared_ptr<const StreamFrame> take_frame();
  void pause();   // the thread idles after the frame in progress
  void resume();
  bool paused() const;
  void reseed(uint64_t seed);  // applied before the next frame
  // Stops the stream after the frame in progress and waits until its engine is destroyed (its tensors and
  // graphs released). Idempotent; later publish calls are ignored.
  void shutdown();

  // The newest failure (a bad snapshot: BadInput; the device's memory: OutOfMemory); nullopt when none.
  std::optional<Error> last_error() const;
  // The stream's thread has ended: shut down, or its engine could not be made or failed beyond a frame
  // (last_error() says why). A stopped stream makes no more frames.
  bool stopped() const;
  StreamStats stats() const;

 private:
  struct Impl;  // the thread, the engine and what they share (src/pipelines/live_stream.cpp)
  std::unique_ptr<Impl> impl_;
};

}  // namespace palette
