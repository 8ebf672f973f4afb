// LiveStream: a StreamEngine on its own thread. The UI side only ever swaps shared pointers under a
// mutex held for a few instructions, so neither publish() nor take_frame() waits for the GPU.
#include <torch/torch.h>

#include <algorithm>

#include "models/out_of_memory.h"
#include "palette/model.h"
#include "palette/stream.h"

namespace palette {

StreamSettings live_stream_settings(const Model& model, StreamSettings base) {
  const ModelInfo& info = model.info();
  if (info.device != "cpu") return base;
  base.mode = StreamMode::RegionalAttention;
  const bool tiny_decoder = std::any_of(info.components.begin(), info.components.end(),
                                        [](const ComponentInfo& c) { return c.name == "taesd"; });
  if (!tiny_decoder) base.decodes = StreamDecodes::ChangesAndSettled;
  return base;
}

LiveStream::LiveStream(const Model& model, StreamSettings settings)
    : engine_(std::make_unique<StreamEngine>(model, std::move(settings))) {
  thread_ = std::thread([this] { run(); });
}

LiveStream::~LiveStream() { shutdown(); }

void LiveStream::publish(std::shared_ptr<const StreamSnapshot> snapshot) {
  if (!snapshot) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    pending_ = std::move(snapshot);
  }
  wake_.notify_one();
}

std::shared_ptr<const StreamFrame> LiveStream::take_frame() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!frame_ || frame_->index <= taken_index_) return nullptr;
  taken_index_ = frame_->index;
  return frame_;
}

void LiveStream::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = true;
}

void LiveStream::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = false;
  }
  wake_.notify_one();
}

bool LiveStream::paused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return paused_;
}

void LiveStream::reseed(uint64_t seed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reseed_pending_ = true;
    reseed_value_ = seed;
  }
  wake_.notify_one();
}

void LiveStream::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::optional<Error> LiveStream::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

StreamStats LiveStream::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void LiveStream::run() {
  // The engine thread never shares the engine: all its state is touched here only.
  torch::NoGradGuard no_grad;
  for (;;) {
    std::shared_ptr<const StreamSnapshot> snapshot;
    bool reseed = false;
    uint64_t seed = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Idle while paused, before the first snapshot, or after a failure until something new arrives.
      wake_.wait(lock, [this] {
        return stopping_ ||
               (!paused_ && (pending_ || reseed_pending_ || (engine_->has_snapshot() && !failed_ && !settled_)));
      });
      if (stopping_) return;
      snapshot = std::move(pending_);
      pending_.reset();
      reseed = reseed_pending_;
      seed = reseed_value_;
      reseed_pending_ = false;
    }
    std::optional<Error> error;
    try {
      if (snapshot) engine_->apply(*snapshot);
      if (reseed && engine_->has_snapshot()) engine_->reseed(seed);
    } catch (const std::exception& e) {
      // A rejected snapshot leaves the previous one running (when there is one). error_kind tells an
      // allocator's failure from the rest, so the step needs no second wrapper on its way.
      error = Error(e.what(), error_kind(e));
    }
    std::shared_ptr<const StreamFrame> frame;
    if (engine_->has_snapshot()) {
      try {
        frame = std::make_shared<const StreamFrame>(engine_->step());
      } catch (const std::exception& e) {
        error = Error(e.what(), error_kind(e));  // e.g. the GPU ran out of memory: wait for a new snapshot
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (error) last_error_ = std::move(error);
    else if (snapshot) last_error_.reset();
    failed_ = !frame;
    settled_ = frame && frame->settled;
    // A frame without a picture (StreamDecodes) leaves the last picture in place.
    if (frame && !frame->image.pixels.empty()) frame_ = std::move(frame);
    stats_ = engine_->stats();
  }
}

}  // namespace palette
