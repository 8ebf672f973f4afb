// Wide pictures from one prompt with a model trained on small squares: the canvas is covered by
// overlapping views (windows of the latent), each denoised on its own, and the views are blended back
// every step so that they agree where they overlap.
//
//   palette::Model model = palette::Model::load("v1-5-pruned-emaonly.safetensors");
//   palette::PanoramaOptions options;
//   options.prompt = "a photo of the dolomites";
//   options.method = palette::PanoramaMethod::multidiffusion;  // or tiled (fast, LCM)
//   options.width = 2048;
//   options.height = 512;
//   options.view_batch_size = 8;                                // views per UNet call
//   palette::PanoramaResult r = palette::render_panorama(model, options);
//   palette::write_png("dolomites.png", r.image);
//
// Methods:
//   multidiffusion  diffusers' StableDiffusionPanoramaPipeline (MultiDiffusion): 64×64-latent views
//                   at stride 8, each step every view takes a sampler step (CFG on) and the canvas
//                   becomes the average of the views' x_{t−1}. Defaults: DDIM, 50 steps, CFG 7.5.
//   tiled           the StreamMultiDiffusion authors' fast panorama: views of one tile (64 latents,
//                   or the shorter side when smaller) at stride tile/2, the views' x0 predictions
//                   blended with triangular weights, fresh noise between steps. Meant for LCM models
//                   (LCM-LoRA): LCM on timesteps [999, 919, 759, 499, 259], guidance 1 (no CFG).
// Sizes: width and height in pixels, multiples of 8, 64 … kMaxImageSide. A side shorter than the
// window is covered by views as long as that side (one view across it), not refused.
// circular: the panorama wraps around horizontally (its right edge continues into its left edge):
// views run past the right edge into the left, and the VAE decodes with 8 latent columns of wrap-
// around on each side so the seam is decoded like any other column.
// sync: SyncDiffusion (Lee et al. 2023) on top of multidiffusion: during the first sync.steps steps,
// each view's latent first takes a gradient step that lowers the perceptual distance (LPIPS) between
// its predicted clean picture and the middle ("anchor") view's, so the views agree on one style. The
// exact mode follows the authors' sample_syncdiffusion view by view (default stride 16); the fast
// mode batches the gradients of several views, and can decode them with TAESD instead of the VAE.
// With circular, the wrap-around views take part too (a seamless 360° panorama, "loop closure").
// Failures: palette::Error naming the field for invalid options (validate_panorama_options, checked
// before any network runs; sampler limits are checked against the model before the first step; a
// missing or unfit LPIPS file, or sync.decoder taesd on a model without TAESD, before the first step);
// palette::Cancelled (palette/error.h) when the cancel flag is raised. Nothing partial is returned.
// Thread safety: render_panorama keeps all per-run state to itself; several may share one Model from
// several threads at once. The progress callback runs on the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <torch/types.h>

#include "palette/image.h"
#include "palette/render.h"

namespace palette {

class Model;
class LpipsImpl;  // src/models/lpips/lpips.h

enum class PanoramaMethod { multidiffusion, tiled };

// Which decoder turns a view's predicted clean latent into the picture LPIPS compares.
enum class SyncDecoder { vae, taesd };  // taesd: the model must be loaded with one (ModelOptions::taesd)

// SyncDiffusion's settings (the authors' defaults). Only with PanoramaMethod::multidiffusion.
struct SyncOptions {
  bool enabled = false;
  double weight = 20;   // gradient step size w at step 0, ≥ 0 (0: plain MultiDiffusion, at sync's cost)
  double decay = 0.95;  // w_k = weight · decay^k at step k; in (0, 1]
  int steps = 10;       // sync on the first `steps` denoising steps (the authors' scripts: 10); ≥ 0
  // LPIPS v0.1 weights (safetensors, see README "LPIPS weights"), read by render_panorama; or an
  // already loaded model (load_lpips), which wins and may be shared between runs and threads. The
  // decoded views are compared in that model's dtype on its device (float32 recommended: LPIPS's
  // 1e-10 in its feature normalisation vanishes in float16).
  std::string lpips;
  std::shared_ptr<LpipsImpl> lpips_model;
  bool fast = false;                       // batch the views' gradients (gradient_batch views at a time)
  SyncDecoder decoder = SyncDecoder::vae;  // fast mode only; the exact mode always uses the VAE
  int gradient_batch = 4;                  // fast mode: views per gradient pass, ≥ 1 (memory grows with it)
};

struct PanoramaOptions {
  std::string prompt;
  std::string negative_prompt;  // used only with CFG (guidance > 1); "" = the empty prompt, as diffusers
  PanoramaMethod method = PanoramaMethod::multidiffusion;
  std::optional<Sampler> sampler;  // not lcm_stream; nullopt = multidiffusion: the model's own scheduler
                                   // (DDIM for SD 1.5), tiled: lcm
  int steps = 0;                   // 0 = the method's default (multidiffusion 50; tiled: LCM's 5-step list)
  std::optional<double> guidance;  // CFG scale, ≥ 0; empty = the method's default (7.5 / 1.0); ≤ 1: no CFG
  std::optional<uint64_t> seed;    // PyTorch CPU-generator seed; empty = a random one (in the result)
  int width = 2048;                // pixels
  int height = 512;                // pixels
  bool circular = false;           // wrap around horizontally (360° panorama)
  int window = 0;                  // view side in latents (pixels / 8), ≥ 8; 0 = 64 (tiled: at most the
                                   // shorter side, as the reference's default tile)
  int stride = 0;                  // multidiffusion: view step in latents, 1 … window; 0 = 8 (with
                                   // sync 16). tiled: must be 0 (always window / 2)
  int view_batch_size = 1;         // views per UNet call (≥ 1); only speed and memory change
  SyncOptions sync;                // SyncDiffusion (multidiffusion only); off by default
  std::function<void(int step, int total)> progress;  // after each denoising step; may be empty
  const std::atomic<bool>* cancel = nullptr;          // set *cancel to true from any thread to stop
};

struct PanoramaResult {
  Image image;          // width × height RGB8, owned by the result
  uint64_t seed = 0;    // the seed used (the random one when none was given)
  Sampler sampler = Sampler::lcm;  // the sampler that ran
  int views = 0;        // views per step
  int steps = 0;        // denoising steps that ran (the method's default resolved)
  double guidance = 0;  // the CFG scale used
  int window = 0;       // view side in pixels
  int stride = 0;       // pixels between neighbouring views (tiled: half the window)
};

// Checks what can be checked without a model: sizes, steps, guidance, window, stride, view batch size,
// the sampler's name and the sync settings (not the LPIPS file itself). Throws palette::Error naming
// the field, e.g. "width 1000 is not a multiple of 8". render_panorama calls it first; clients call it
// to fail before loading a model.
void validate_panorama_options(const PanoramaOptions& options);

// Makes the panorama with `model` (on its device, in its dtype). Throws as the header comment says.
// Beside live streams on a GPU it behaves as render_regions does (palette/regions.h).
PanoramaResult render_panorama(const Model& model, const PanoramaOptions& options);

// The method's name as the CLI spells it ("multidiffusion", "tiled"), and back; parse throws
// palette::Error naming the accepted names.
const char* panorama_method_name(PanoramaMethod method);
PanoramaMethod parse_panorama_method(const std::string& name);
const char* sync_decoder_name(SyncDecoder decoder);  // "vae", "taesd"
SyncDecoder parse_sync_decoder(const std::string& name);

// LPIPS v0.1 weights for SyncOptions::lpips_model and panorama_coherence, in float32 on `device` (the
// model's); load once, share between runs and threads. Throws palette::Error naming the file and the
// tensor that does not fit.
std::shared_ptr<LpipsImpl> load_panorama_lpips(const std::string& file, torch::Device device = torch::kCPU);

// Coherence as the SyncDiffusion paper measures it (intra-LPIPS): the mean LPIPS distance over all
// pairs of the non-overlapping crop×crop tiles of `image` (tiles at multiples of `crop` from the top
// left, the rest left out). Lower = more alike across the panorama. Throws palette::Error when fewer
// than two tiles fit.
double panorama_coherence(const Image& image, LpipsImpl& lpips, int crop = 512);

}  // namespace palette
