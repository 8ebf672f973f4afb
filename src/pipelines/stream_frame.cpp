#include "pipelines/stream_frame.h"

#include <torch/torch.h>

#include <cstring>
#include <string>
#include <vector>

#include "models/cuda_graph.h"
#include "models/model_parts.h"
#include "palette/error.h"
#include "pipelines/background_image.h"
#include "pipelines/image_tensor.h"

namespace palette {

namespace {

// Copies `source` into the recorded buffer unless it is the tensor copied last time (the layout
// replaces its tensors when they change rather than writing into them).
void refresh(torch::Tensor& buffer, torch::Tensor& copied_from, const torch::Tensor& source) {
  if (!source.defined() || (copied_from.defined() && copied_from.is_same(source))) return;
  buffer.copy_(source, /*non_blocking=*/true);
  copied_from = source;
}

}  // namespace

torch::Tensor frame_rgba(const ModelParts& parts, bool use_taesd, const torch::Tensor& latent,
                         const FramePicture& picture) {
  torch::Tensor rgb;  // (1, 3, H, W) in [-1, 1]
  if (latent.defined() && use_taesd) {
    Taesd taesd = parts.taesd;  // a non-const handle on the shared, unchanged module
    rgb = taesd->decode(latent.to(taesd->parameters().front().scalar_type()));
  } else if (latent.defined()) {
    rgb = decode_latents(parts, latent);
  }
  if (!rgb.defined()) {
    rgb = picture.pixels * 2 - 1;
  } else if (picture.blend) {
    rgb = blend_over_background(rgb, picture.pixels, picture.cover);
  }
  // To 8 bits on the device, so only bytes cross to the host.
  const torch::Tensor bytes = ((rgb[0].to(torch::kFloat32) / 2 + 0.5).clamp(0, 1) * 255).round().to(torch::kUInt8);
  return torch::cat({bytes, torch::full({1, bytes.size(1), bytes.size(2)}, 255, bytes.options())})
      .permute({1, 2, 0})
      .contiguous();
}

struct StreamFrameStage::Recorded {
  std::vector<std::vector<int64_t>> key;
  torch::Tensor latent, pixels, cover, output;
  torch::Tensor pixels_from, cover_from;  // what the buffers hold copies of
  std::unique_ptr<CudaGraph> graph;
};

StreamFrameStage::StreamFrameStage(const ModelParts& parts, bool use_taesd, bool use_graphs)
    : parts_(parts), use_taesd_(use_taesd), use_graphs_(use_graphs && parts.device.is_cuda()) {}

StreamFrameStage::~StreamFrameStage() = default;

torch::Tensor StreamFrameStage::rgba(const torch::Tensor& latent, const FramePicture& picture) {
  // Without a latent the frame is the picture itself: nothing worth recording.
  if (!use_graphs_ || !latent.defined() || !latent.is_cuda()) return frame_rgba(parts_, use_taesd_, latent, picture);
  const std::vector<std::vector<int64_t>> key = {tensor_signature(latent), tensor_signature(picture.pixels),
                                                 tensor_signature(picture.cover), {int64_t(picture.blend)}};
  if (!recorded_ || recorded_->key != key) {
    // Another thread's one-shot work (an export) runs: this frame eagerly, the recording on a later one.
    if (EagerGpuWork::running()) return frame_rgba(parts_, use_taesd_, latent, picture);
    auto r = std::make_unique<Recorded>();
    r->key = key;
    r->latent = latent.clone();
    if (picture.pixels.defined()) r->pixels = picture.pixels.clone();
    if (picture.cover.defined()) r->cover = picture.cover.clone();
    r->pixels_from = picture.pixels;
    r->cover_from = picture.cover;
    recorded_.reset();  // the old shape's pool goes before the new one is recorded
    try {
      r->graph = CudaGraph::record(latent.device(), [&] {
        r->output = frame_rgba(parts_, use_taesd_, r->latent, {r->pixels, r->cover, picture.blend});
      });
    } catch (const GraphRecordingBusy&) {
      return frame_rgba(parts_, use_taesd_, latent, picture);  // recorded on a later frame
    } catch (const GraphRecordingRefused&) {
      use_graphs_ = false;  // without the memory for a graph the same stage runs eagerly
      return frame_rgba(parts_, use_taesd_, latent, picture);
    } catch (const Error& e) {
      use_graphs_ = false;  // whatever failed would fail again
      throw Error(std::string("the stream's frame stage: ") + e.what(), e.kind());
    }
    count_recorded_shape("frame stage", r->key);
    recorded_ = std::move(r);
    ++recordings_;
  } else {
    recorded_->latent.copy_(latent, /*non_blocking=*/true);
    refresh(recorded_->pixels, recorded_->pixels_from, picture.pixels);
    refresh(recorded_->cover, recorded_->cover_from, picture.cover);
  }
  recorded_->graph->replay();
  return recorded_->output;
}

Image StreamFrameStage::to_host(const torch::Tensor& rgba) {
  torch::Tensor host = rgba;
  if (rgba.is_cuda()) {
    // A blocking copy into page-locked memory: one wait for the device, then a direct transfer.
    if (!host_.defined() || host_.sizes() != rgba.sizes())
      host_ = torch::empty(rgba.sizes(), torch::dtype(torch::kUInt8)).pin_memory();
    host_.copy_(rgba);
    host = host_;
  } else if (!rgba.device().is_cpu()) {
    host = rgba.to(torch::kCPU);
  }
  Image image;
  image.height = int(host.size(0));
  image.width = int(host.size(1));
  image.channels = 4;
  image.pixels.resize(size_t(host.numel()));
  std::memcpy(image.pixels.data(), host.data_ptr<uint8_t>(), image.pixels.size());
  return image;
}

}  // namespace palette
