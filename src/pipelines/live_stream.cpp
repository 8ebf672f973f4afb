// LiveStream: a StreamEngine on its own thread. The UI side only ever swaps shared pointers under a
// mutex held for a few instructions, so neither publish() nor take_frame() waits for the GPU.
#include <torch/torch.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>

#include "base/pooled_threads.h"
#include "models/cuda_graph.h"
#include "models/model_parts.h"
#include "models/out_of_memory.h"
#include "palette/model.h"
#include "palette/stream.h"

namespace palette {

std::pair<int, int> halved_canvas(int width, int height, int halvings) {
  const auto halve = [](int side) { return std::max(64, side / 2 / 8 * 8); };
  for (int i = 0; i < halvings; ++i) {
    width = halve(width);
    height = halve(height);
  }
  return {width, height};
}

StreamSettings live_stream_settings(const Model& model, StreamSettings base) {
  const ModelInfo& info = model.info();
  if (info.device != "cpu") return base;
  base.mode = StreamMode::RegionalAttention;
  const bool tiny_decoder = std::any_of(info.components.begin(), info.components.end(),
                                        [](const ComponentInfo& c) { return c.name == "taesd"; });
  if (tiny_decoder)
    base.settled_with_vae = true;
  else
    base.decodes = StreamDecodes::ChangesAndSettled;
  return base;
}

Image fresh_stream_picture(const Model& model, StreamSettings settings, const StreamSnapshot& snapshot) {
  settings.cuda_graphs = false;
  const EagerGpuWork gpu_work(model_parts(model).device);  // the live stream records no graphs meanwhile
  StreamEngine fresh(model, std::move(settings));
  fresh.apply(snapshot);
  return fresh.step().image;
}

// Behind a pointer so that stream.h's users need neither <future> nor <mutex>. Guarded by `mutex`,
// except `model`, `settings` and `engine` (the engine thread's alone once it runs) and `running` (the owner's).
struct LiveStream::Impl {
  Impl(const Model& model, StreamSettings settings) : model(model), settings(std::move(settings)) {}
  void start();
  void run();

  const Model& model;
  StreamSettings settings;  // the engine's, until the engine thread makes it
  std::unique_ptr<StreamEngine> engine;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::shared_ptr<const StreamSnapshot> pending;
  std::shared_ptr<const StreamFrame> frame;
  uint64_t taken_index = 0;
  bool paused = false;
  bool stopping = false;
  bool reseed_pending = false;
  uint64_t reseed_value = 0;
  bool failed = false;   // the last snapshot or frame failed: wait for a new snapshot
  bool settled = false;  // the last frame settled: nothing to do until a new snapshot or seed
  std::optional<Error> last_error;
  StreamStats stats;
  std::future<void> running;  // the engine thread's task; ready once the engine is gone
};

LiveStream::LiveStream(const Model& model, StreamSettings settings)
    : impl_(std::make_unique<Impl>(model, std::move(settings))) {
  // A pooled thread: CUDA libraries' per-thread state is made once, not once per stream (base/pooled_threads.h).
  impl_->running = on_pooled_thread([impl = impl_.get()] {
    try {
      impl->start();
      if (impl->engine) impl->run();
    } catch (const std::exception& e) {  // run() reports its frames' failures itself; this is anything else
      std::lock_guard<std::mutex> lock(impl->mutex);
      impl->last_error = Error(std::string("the live stream stopped: ") + e.what(), error_kind(e));
    }
    // Here, not on the thread that destroys the stream: the graphs and memory its frames made go on the
    // thread that made them, and the owner's shutdown() returns once they are released.
    impl->engine.reset();
  });
}

LiveStream::~LiveStream() { shutdown(); }

void LiveStream::publish(std::shared_ptr<const StreamSnapshot> snapshot) {
  if (!snapshot) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->pending = std::move(snapshot);
  }
  impl_->wake.notify_one();
}

std::shared_ptr<const StreamFrame> LiveStream::take_frame() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->frame || impl_->frame->index <= impl_->taken_index) return nullptr;
  impl_->taken_index = impl_->frame->index;
  return impl_->frame;
}

void LiveStream::pause() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->paused = true;
}

void LiveStream::resume() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->paused = false;
  }
  impl_->wake.notify_one();
}

bool LiveStream::paused() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->paused;
}

void LiveStream::reseed(uint64_t seed) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->reseed_pending = true;
    impl_->reseed_value = seed;
  }
  impl_->wake.notify_one();
}

void LiveStream::shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  if (impl_->running.valid()) impl_->running.wait();
}

bool LiveStream::stopped() const {
  return !impl_->running.valid() || impl_->running.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

std::optional<Error> LiveStream::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->last_error;
}

StreamStats LiveStream::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

// Making the engine allocates on the device and, on a GPU, can take tens of milliseconds (the app's long
// run: 12-23 ms frames on the UI thread when it was made there), so it is made here, where its frames are
// made. A failure is the stream's last error (of its kind, so that the owner can fall back to a smaller
// picture after running out of memory), and the stream then makes no frames.
void LiveStream::Impl::start() {
  try {
    engine = std::make_unique<StreamEngine>(model, std::move(settings));
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex);
    last_error = Error(e.what(), error_kind(e));
  }
}

void LiveStream::Impl::run() {
  // The engine thread never shares the engine: all its state is touched here only.
  torch::NoGradGuard no_grad;
  for (;;) {
    std::shared_ptr<const StreamSnapshot> snapshot;
    bool reseed = false;
    uint64_t seed = 0;
    {
      std::unique_lock<std::mutex> lock(mutex);
      // Idle while paused, before the first snapshot, or after a failure until something new arrives.
      wake.wait(lock, [this] {
        return stopping ||
               (!paused && (pending || reseed_pending || (engine->has_snapshot() && !failed && !settled)));
      });
      if (stopping) return;
      snapshot = std::move(pending);
      pending.reset();
      reseed = reseed_pending;
      seed = reseed_value;
      reseed_pending = false;
    }
    std::optional<Error> error;
    try {
      if (snapshot) engine->apply(*snapshot);
      if (reseed && engine->has_snapshot()) engine->reseed(seed);
    } catch (const std::exception& e) {
      // A rejected snapshot leaves the previous one running (when there is one). error_kind tells an
      // allocator's failure from the rest, so the step needs no second wrapper on its way.
      error = Error(e.what(), error_kind(e));
    }
    std::shared_ptr<const StreamFrame> made;
    if (engine->has_snapshot()) {
      try {
        // A change that has shown settles at once unless an edit is already waiting; the settle stops
        // between slots when one arrives.
        made = std::make_shared<const StreamFrame>(engine->next_live_frame([this] {
          std::lock_guard<std::mutex> lock(mutex);
          return stopping || paused || pending || reseed_pending;
        }));
      } catch (const std::exception& e) {
        error = Error(e.what(), error_kind(e));  // e.g. the GPU ran out of memory: wait for a new snapshot
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (error) last_error = std::move(error);
    else if (snapshot) last_error.reset();
    failed = !made;
    settled = made && made->settled;
    // A frame without a picture (StreamDecodes) leaves the last picture in place.
    if (made && !made->image.pixels.empty()) frame = std::move(made);
    stats = engine->stats();
  }
}

}  // namespace palette
