// The app's only use of LibTorch (with the PCH of palette_engine): model loading, the LiveStream and
// the export render, each on a thread of its own so the UI never waits.
#include "app/engine_session.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#include "app/memory_fallback.h"
#include "base/pooled_threads.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/document_requests.h"
#include "palette/model.h"
#include "palette/regions.h"
#include "palette/stream.h"

namespace palette::app {

namespace {

using Clock = std::chrono::steady_clock;

// How long the stream's settled picture of an edit stands before it is refined (CPU only): a painter's pause,
// not the gap between two strokes.
constexpr double kRefineAfterSeconds = 0.6;
// Refining only a small UNet's pictures: a refine's step costs several of the stream's UNet calls, and a stroke
// that starts during one waits for that step to end. The built-in model's UNet has 7.4 M parameters (a step
// about 0.8 s at 256² on two cores); SD 1.5's 860 M would keep a stroke waiting for tens of seconds.
constexpr int64_t kRefineLargestUNet = 100'000'000;

bool small_enough_to_refine(const Model& model) {
  for (const ComponentInfo& c : model.info().components)
    if (c.name == "unet") return c.parameters > 0 && c.parameters <= kRefineLargestUNet;
  return false;
}

torch::Device pick_device(const std::string& name) {
  if (name.empty())
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  try {
    return torch::Device(name);
  } catch (const std::exception&) {
    throw Error("--device: '" + name + "' is not a device (cpu, cuda, cuda:N)");
  }
}

ModelOptions model_options(torch::Device device) {
  ModelOptions o;
  o.device = device;
  o.dtype = device.is_cuda() ? torch::kHalf : torch::kFloat32;
  return o;
}

// The engine reports its failures as palette::Error; anything else is not one it foresaw, and no
// out-of-memory (the engine translates those where they arise).
ErrorKind kind_of(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  return error != nullptr ? error->kind() : ErrorKind::BadInput;
}

// Loads on `device`, falling back to the CPU when the GPU has not enough memory.
Model load_with_fallback(const std::string& path, torch::Device device, std::string* notice) {
  try {
    return Model::load(path, model_options(device));
  } catch (const Error& e) {
    if (!load_on_cpu_instead(e.kind(), device.is_cuda())) throw;
    *notice = "Not enough GPU memory for the model: running on the CPU (slow).";
    return Model::load(path, model_options(torch::kCPU));
  }
}

}  // namespace

struct EngineSession::Impl {
  std::future<Model> loading;
  std::string loading_notice;  // written by the loading thread, read after the future is ready
  Clock::time_point load_started;
  std::shared_ptr<const Model> model;
  // Streams being stopped: shutdown() waits for the frame in progress (a second or more on a CPU),
  // so it runs off the UI thread. Each task owns the stream and the Model the stream refers to.
  std::vector<std::future<void>> retiring;
  std::unique_ptr<LiveStream> stream;
  StreamSnapshotMaker maker;               // one per stream's lifetime: reuses mask tensors across revisions
  std::shared_ptr<const Snapshot> latest;  // the newest document state, also before a model exists
  std::optional<GenerationSettings> stream_settings;  // the settings the stream was built with
  StreamSettings live_settings;                     // what the stream was made with (its mode included)
  std::optional<StreamMode> stream_mode;            // the mode asked for when the stream was last (re)built
  bool creation_failed = false;                     // making the stream failed for the settings asked for
  uint64_t stream_serial = 0;                       // streams made so far
  std::shared_ptr<const StreamSnapshot> published;  // the newest snapshot handed to it

  std::future<PictureCheck> checking;  // check_picture's fresh render and comparison

  LiveSizeFallback size;  // halvings of the picture size after running out of memory, and growing back
  const Clock::time_point started = Clock::now();
  double now() const { return std::chrono::duration<double>(Clock::now() - started).count(); }
  std::string seen_error;

  // The live picture refined once painting pauses, on a CPU (refine_when_idle): the layout's own sampling at the
  // live picture's size, which the stream's fast way there (regional attention, three steps) cannot match.
  std::future<Image> refining;
  std::atomic<bool> refine_cancel{false};
  uint64_t refining_stream = 0;   // the stream_serial it was started under (a new stream, model or size: moot)
  uint64_t refined_version = 0;   // the newest version refined or being refined (0: none; a cancel resets it)
  uint64_t settled_version = 0;   // the newest version the stream showed settled
  double settled_at = 0;          // when, in now()'s seconds
  Clock::time_point refine_started;
  std::optional<LiveFrame> refined;  // finished and current, for take_frame

  std::future<void> exporting;
  std::atomic<int> export_step{0}, export_total{1};
  std::atomic<bool> export_cancel{false};
  ExportState export_state = ExportState::Idle;
  std::string export_path;
  bool paused_for_export = false;
  Clock::time_point export_started;

  void retire_stream() {
    forget_settled_picture();  // a new stream (another mode, size or model) settles the version afresh
    if (!stream) return;
    retiring.push_back(std::async(std::launch::async, [s = std::move(stream), keep = model]() mutable {
      s->shutdown();
      s.reset();  // before `keep`, the model it refers to
    }));
  }

  // What the refine waits for starts over: the stream's next settled picture (a new stream, or another
  // document, whose versions may repeat this one's).
  void forget_settled_picture() {
    cancel_refine();
    settled_version = 0;
  }

  void cancel_refine() {
    const bool interrupted = refining.valid() || refined.has_value();
    if (refining.valid()) refine_cancel = true;  // its picture is dropped when it ends
    refined.reset();
    // A refine cut short is made again once nothing is in the way (after an export, say); one already shown
    // is not.
    if (interrupted) refined_version = 0;
  }

  // On a CPU, once the stream's picture of the newest edit has settled and nothing has changed for
  // kRefineAfterSeconds, renders the layout with its own sampling (MultiDiffusion, its steps and guidance) at
  // the live picture's size and seed, and hands that picture out as the next frame (LiveFrame::refined). The
  // stream is idle by then, so the render has the cores; an edit cancels it between two of its steps.
  // Measured on two cores (bench/RESULTS.md, twenty-first session): 4.1 s for the landscape example at 256²,
  // where the stream's settled picture took 0.74 s but gets half the regions right against 84 %.
  void refine_when_idle(bool paused) {
    if (refining.valid() && refining.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      try {
        Image image = refining.get();
        // Not cancelled since it started: refined_version is still the version it renders.
        if (published && refined_version == published->version && refining_stream == stream_serial &&
            !refine_cancel) {
          LiveFrame f;
          f.image = std::move(image);
          f.version = refined_version;
          f.settled = true;
          f.steps_done = f.steps_total = 1;
          f.engine_ms = std::chrono::duration<double, std::milli>(Clock::now() - refine_started).count();
          f.stream = stream_serial;
          f.refined = true;
          refined = std::move(f);
        }
      } catch (const std::exception&) {
        // Cancelled by an edit, or failed: the stream's picture stays, as it would without refining.
      }
    }
    if (refining.valid() || !model || !stream || !published || !latest || paused || paused_for_export) return;
    if (model->info().device != "cpu" || export_state == ExportState::Running || checking.valid()) return;
    const uint64_t version = published->version;
    if (settled_version != version || refined_version == version || now() - settled_at < kRefineAfterSeconds) return;
    refined_version = version;  // once per version, whether or not it is refined
    if (!small_enough_to_refine(*model)) return;
    try {
      RegionRequest request = region_request(*latest);
      request.width = published->width;  // the live picture's size: masks of any size are resized
      request.height = published->height;
      request.seed = published->seed;  // the live picture's noise, so the refined one keeps its composition
      refine_cancel = false;
      request.cancel = &refine_cancel;
      refining_stream = stream_serial;
      refine_started = Clock::now();
      refining = on_pooled_thread([m = model, request = std::move(request)] { return render_regions(*m, request).image; });
    } catch (const std::exception&) {
      // Settings the one-shot pipeline refuses: the stream's picture stays (an export would say why).
    }
  }

  int live_halvings(int width, int height) const { return model ? live_picture_halvings(*model, width, height) : 0; }

  void publish_latest(bool paused) {
    if (!stream || !latest) return;
    std::shared_ptr<const StreamSnapshot> s = maker(*latest);
    const int halvings = size.halvings() + live_halvings(s->width, s->height);
    if (halvings > 0) {
      auto smaller = std::make_shared<StreamSnapshot>(*s);  // masks of any size are resized by the engine
      std::tie(smaller->width, smaller->height) = halved_canvas(s->width, s->height, halvings);
      s = smaller;
    }
    published = s;
    stream->publish(s);
    if (paused) stream->pause();
  }
};

EngineSession::EngineSession() : impl_(std::make_unique<Impl>()) {}

EngineSession::~EngineSession() {
  impl_->export_cancel = true;
  impl_->cancel_refine();
  if (impl_->refining.valid()) impl_->refining.wait();  // it renders with the model: not past exit
  if (impl_->exporting.valid()) impl_->exporting.wait();
  if (impl_->checking.valid()) impl_->checking.wait();  // it renders with the model: not past exit
  impl_->retire_stream();
  for (std::future<void>& f : impl_->retiring) f.wait();
  // Model::load cannot be interrupted: quitting during a load waits for it.
  if (impl_->loading.valid()) impl_->loading.wait();
}

std::string builtin_model_path() { return builtin_model_folder().string(); }

void EngineSession::load_model(const std::string& path, const std::string& device) {
  if (state_ == ModelState::Loading) return;  // one load at a time; the panel disables the button
  set_error("", false);
  path_ = path;
  try {
    const torch::Device d = pick_device(device);
    impl_->load_started = Clock::now();
    // A pooled thread, as the streams': loading to a GPU makes CUDA libraries' per-thread state too.
    impl_->loading_notice.clear();  // an earlier load's fallback says nothing about this one
    impl_->loading = on_pooled_thread([this, path, d] { return load_with_fallback(path, d, &impl_->loading_notice); });
    state_ = ModelState::Loading;
  } catch (const std::exception& e) {
    set_error(e.what(), false);
    state_ = ModelState::Failed;
  }
}

std::string EngineSession::model_description() const {
  if (!impl_->model) return "";
  const ModelInfo& info = impl_->model->info();
  return std::filesystem::path(path_).filename().string() + " (" + info.family + ") on " + info.device +
         ", " + info.dtype;
}

int EngineSession::native_side() const {
  return impl_->model ? impl_->model->info().native.side : 0;
}

bool EngineSession::model_is_sdxl() const {
  return impl_->model && impl_->model->info().family == "SDXL";
}

double EngineSession::loading_seconds() const {
  if (state_ != ModelState::Loading) return 0;
  return std::chrono::duration<double>(Clock::now() - impl_->load_started).count();
}

void EngineSession::poll() {
  Impl& m = *impl_;
  m.refine_when_idle(paused_);
  m.retiring.erase(std::remove_if(m.retiring.begin(), m.retiring.end(),
                                  [](std::future<void>& f) {
                                    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
                                  }),
                   m.retiring.end());
  if (state_ == ModelState::Loading &&
      m.loading.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    try {
      Model model = m.loading.get();
      m.retire_stream();
      m.model = std::make_shared<const Model>(std::move(model));
      m.size = LiveSizeFallback();
      m.stream_settings.reset();
      notice_ = m.loading_notice;
      in_use_ = path_;
      state_ = ModelState::Ready;
    } catch (const std::exception& e) {
      set_error(std::string("model '") + path_ + "': " + e.what(), false);
      state_ = m.model ? ModelState::Ready : ModelState::Failed;
    }
  }
  if (!m.model || !m.latest) return;
  // A new sampler preset, step count, guidance or bootstrapping needs a new stream batch; prompts and masks do
  // not, nor a change the live picture does not use (guidance on a CPU, steps above its cap there).
  const GenerationSettings& wanted = m.latest->settings;
  // The mode follows the app's choice, else the device's; choosing the mode already running costs nothing.
  StreamMode mode = live_stream_settings(*m.model).mode;
  if (live_mode_ == LiveMode::MultiDiffusion) mode = StreamMode::MultiDiffusion;
  if (live_mode_ == LiveMode::RegionalAttention) mode = StreamMode::RegionalAttention;
  const bool changed =
      !m.stream_settings || !same_live_batch(*m.model, *m.stream_settings, wanted) || mode != m.stream_mode;
  if (changed) m.creation_failed = false;
  if (changed || (!m.stream && !m.creation_failed)) {
    m.stream_settings = wanted;  // also on failure, so a bad preset is reported once, not every frame
    m.stream_mode = mode;
    m.retire_stream();
    // The new stream starts on a later poll, once the old one is gone (on a GPU its frame in progress ends
    // within a frame or two of the UI): side by side, the old stream's last frames broke the new one's first
    // CUDA graph recordings (issue 23's churn runs, bench/RESULTS.md, eighteenth session), and the device
    // held both streams' memory, which an out-of-memory fallback's smaller stream cannot afford.
    if (!m.retiring.empty()) return;
    try {
      m.live_settings = live_picture_settings(*m.model, wanted);
      m.live_settings.mode = mode;
      m.live_settings.cuda_graphs = m.live_settings.cuda_graphs && cuda_graphs_;
      m.stream = std::make_unique<LiveStream>(*m.model, m.live_settings);
      ++m.stream_serial;
      m.seen_error.clear();  // the new stream's errors are new, even in the old one's words
      if (generation_failed_) set_error("", false);  // the settings that failed are gone
      m.publish_latest(paused_ || m.paused_for_export);
    } catch (const std::exception& e) {
      // Rare: the engine is made on the stream's thread, whose failures come as the stream's last error
      // below; what is left here is the stream's own (no thread to be had, no memory for its state).
      if (auto notice = m.size.after_failure(kind_of(e), m.now())) {
        notice_ = *notice;  // tried again, smaller, on the next poll
      } else {
        set_error(std::string("generation: ") + e.what(), true);
        m.creation_failed = true;  // tried again when the settings, the mode or the model change
      }
    }
  }
  if (!m.stream) return;
  const std::optional<Error> e = m.stream->last_error();
  if (e && e->what() != m.seen_error) {
    m.seen_error = e->what();
    if (std::optional<std::string> notice = m.size.after_failure(e->kind(), m.now())) {
      notice_ = *notice;
      m.stream_settings.reset();  // rebuild with the smaller size on the next poll
    } else {
      set_error(std::string("generation: ") + e->what(), true);
    }
  }
  if (m.stream->stopped()) {
    // Its engine could not be made (or failed beyond a frame): a stream that makes no frames is none, for the
    // panel's "stopped" line as before; a new one is made when the settings, the mode or the model change,
    // or, after running out of memory, at once at a smaller size (stream_settings was reset above).
    m.retire_stream();
    m.creation_failed = true;
    return;
  }
  if (!e && !paused_ && !m.paused_for_export) {
    // Memory another program took may be free again: a larger live picture is tried now and then.
    if (std::optional<std::string> notice = m.size.grow_if_due(m.now())) {
      notice_ = *notice;
      m.stream_settings.reset();  // rebuild with the larger size on the next poll
    }
  }
}

void EngineSession::set_live_mode(LiveMode mode) {
  live_mode_ = mode;  // the next poll rebuilds the stream if its mode changes
}

void EngineSession::set_error(std::string message, bool from_generation) {
  error_ = std::move(message);
  generation_failed_ = from_generation && !error_.empty();
}

void EngineSession::publish(std::shared_ptr<const Snapshot> snapshot) {
  impl_->forget_settled_picture();
  impl_->latest = std::move(snapshot);
  impl_->publish_latest(paused_);
}

std::optional<LiveFrame> EngineSession::take_frame() {
  Impl& m = *impl_;
  if (!m.stream) return std::nullopt;
  std::shared_ptr<const StreamFrame> f = m.stream->take_frame();
  if (!f) return std::exchange(m.refined, std::nullopt);
  m.refined.reset();  // the stream moved on (a new stream, or one resumed)
  if (f->settled && f->version != m.settled_version) {
    m.settled_version = f->version;
    m.settled_at = m.now();
  }
  // A rebuild pending (a size change decided, the stream not yet replaced): this picture is the old size's.
  if (m.stream_settings) m.size.picture_shown(m.now());
  return LiveFrame{f->image,      f->version,     f->index,           f->settled,
                   f->steps_done, f->steps_total, f->timings.total_ms, m.stream_serial};
}

bool EngineSession::streaming() const {
  return impl_->stream != nullptr;
}

uint64_t EngineSession::stream_serial() const { return impl_->stream_serial; }

std::optional<std::pair<int, int>> EngineSession::reduced_live_size() const {
  const Impl& m = *impl_;
  if (!m.stream || !m.published) return std::nullopt;
  // `latest` is the document `published` was made from, before the live picture's halvings.
  const std::pair<int, int> live{m.published->width, m.published->height};
  if (live == std::make_pair(m.latest->width, m.latest->height)) return std::nullopt;
  return live;
}

void EngineSession::set_paused(bool paused) {
  paused_ = paused;
  if (paused) impl_->cancel_refine();
  if (!impl_->stream) return;
  if (paused || impl_->paused_for_export)
    impl_->stream->pause();
  else
    impl_->stream->resume();
}

void EngineSession::start_export(std::shared_ptr<const Snapshot> snapshot, const std::string& path) {
  Impl& m = *impl_;
  if (!m.model) throw Error("load a model before exporting (Generation panel)");
  if (m.export_state == ExportState::Running) throw Error("an export is already running");
  RegionRequest request = region_request(*snapshot);  // throws for settings the pipeline cannot run
  m.export_step = 0;
  m.export_total = 1;
  m.export_cancel = false;
  request.progress = [&m](int step, int total) {
    m.export_step = step;
    m.export_total = std::max(1, total);
  };
  request.cancel = &m.export_cancel;
  export_message_.clear();
  m.export_path = path;
  m.export_state = ExportState::Running;
  m.export_started = Clock::now();
  m.cancel_refine();  // the export has the cores to itself
  // The live stream would compete for the same device; it waits while the export renders.
  m.paused_for_export = true;
  if (m.stream) m.stream->pause();
  const std::shared_ptr<const Model> model = m.model;  // outlives a model change during the render
  const std::string model_path = in_use_;  // path_ may name a load that failed since
  // Pooled threads for the GPU work, as the streams' (base/pooled_threads.h): CUDA libraries' per-thread state once.
  m.exporting = on_pooled_thread([=, request = std::move(request)] {
    const RegionResult r = render_regions(*model, request);
    PngExportOptions options;
    options.seed = r.seed;
    options.model = model_path;
    // The built-in model stays "" in the picture's layout, so it reopens with whichever one is built in.
    options.builtin_model = model_path == builtin_model_path();
    export_png(path, r.image, *snapshot, options);
  });
}

ExportState EngineSession::export_state() {
  Impl& m = *impl_;
  if (m.export_state == ExportState::Running &&
      m.exporting.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    export_seconds_ = std::chrono::duration<double>(Clock::now() - m.export_started).count();
    try {
      m.exporting.get();
      m.export_state = ExportState::Done;
      export_message_ = m.export_path;
    } catch (const std::exception& e) {
      m.export_state = ExportState::Failed;
      export_message_ = export_failure(kind_of(e), e.what());
    }
    m.paused_for_export = false;
    set_paused(paused_);
  }
  return m.export_state;
}

void EngineSession::start_check(const LiveFrame& frame) {
  Impl& m = *impl_;
  if (!m.stream || !m.published) throw Error("no live picture to check");
  if (frame.stream != m.stream_serial)
    throw Error("the picture to check came from a live stream since replaced (a new mode, settings or model)");
  if (m.checking.valid()) throw Error("a check is already running");
  if (frame.refined) throw Error("the picture to check is a refined picture, not the live stream's");
  if (!frame.settled || frame.version != m.published->version)
    throw Error("the picture to check is not the settled picture of the newest edit");
  m.checking = on_pooled_thread([model = m.model, settings = m.live_settings, snapshot = m.published, frame,
                                 canvas = std::make_pair(m.latest->width, m.latest->height)] {
    PictureCheck check;
    check.live_width = frame.image.width, check.live_height = frame.image.height;
    std::tie(check.canvas_width, check.canvas_height) = canvas;
    try {
      const Image expected = fresh_stream_picture(*model, settings, *snapshot);
      if (expected.width != frame.image.width || expected.height != frame.image.height ||
          expected.channels != frame.image.channels) {
        check.error = "the fresh render is " + std::to_string(expected.width) + "×" + std::to_string(expected.height) +
                      ", the live picture " + std::to_string(frame.image.width) + "×" +
                      std::to_string(frame.image.height);
        return check;
      }
      double sum = 0;
      for (size_t i = 0; i < expected.pixels.size(); ++i) {
        const int d = std::abs(int(expected.pixels[i]) - int(frame.image.pixels[i]));
        sum += d;
        check.max_difference = std::max(check.max_difference, d);
      }
      check.mean_difference = sum / static_cast<double>(expected.pixels.size());
    } catch (const std::exception& e) {
      check.error = e.what();
    }
    return check;
  });
}

bool EngineSession::checking() const {
  return impl_->checking.valid();
}

std::optional<PictureCheck> EngineSession::check_result() {
  Impl& m = *impl_;
  if (!m.checking.valid() || m.checking.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return std::nullopt;
  return m.checking.get();
}

float EngineSession::export_progress() const {
  return static_cast<float>(impl_->export_step.load()) / static_cast<float>(impl_->export_total.load());
}

void EngineSession::cancel_export() {
  impl_->export_cancel = true;
}

}  // namespace palette::app
