// The last stage of a stream frame: the newest latent decoded (TAESD or the VAE), blended into the
// background picture where nothing is painted, converted to RGBA8 and brought to the host.
//
// With CUDA graphs on a CUDA model the whole stage is recorded once per latent size and picture set-up
// and replayed: one launch instead of the decoder's ~100 small kernels, which at batch 1 cost more to
// launch than to run, and the bytes come back through page-locked memory. That copy is the frame's
// only wait for the device. The recording is made again only when the latent's shape or the picture
// set-up (with or without a picture to blend into) changes; a new picture or new masks are copied
// into its buffers.
//
// Promises: the same bytes as the eager stage (the graph runs the same kernels on the same values).
// Failures: the stage runs eagerly from then on after a failed recording; one refused for lack of GPU
// memory (GraphRecordingRefused) gives this frame eagerly, any other throws palette::Error. While another
// thread's one-shot work runs (GraphRecordingBusy) frames are made eagerly and the stage recorded later.
// Thread safety: belongs to the stream engine's thread.
#pragma once

#include <torch/types.h>

#include <memory>

#include "palette/image.h"

namespace palette {

struct ModelParts;
class CudaGraph;

// The picture a frame is blended into: photo_pixels (1, 3, H, W) float32 in [0, 1] and the cover
// (1, 1, H, W) through which the decoded frame shows; without `blend` the frame is the decoded latent.
struct FramePicture {
  torch::Tensor pixels, cover;
  bool blend = false;
};

// (H, W, 4) uint8 on the model's device: `latent` (1, 4, h, w) decoded and blended over `picture`;
// an undefined latent gives the picture itself.
torch::Tensor frame_rgba(const ModelParts& parts, bool use_taesd, const torch::Tensor& latent,
                         const FramePicture& picture);

class StreamFrameStage {
 public:
  StreamFrameStage(const ModelParts& parts, bool use_taesd, bool use_graphs);
  ~StreamFrameStage();
  StreamFrameStage(const StreamFrameStage&) = delete;
  StreamFrameStage& operator=(const StreamFrameStage&) = delete;

  // The frame's bytes on the device, (H, W, 4) uint8; valid until the next call.
  torch::Tensor rgba(const torch::Tensor& latent, const FramePicture& picture);
  // Those bytes as an Image on the host (waits for the device).
  Image to_host(const torch::Tensor& rgba);

  int64_t recordings() const { return recordings_; }

 private:
  struct Recorded;
  const ModelParts& parts_;
  bool use_taesd_ = false;
  bool use_graphs_ = false;
  std::unique_ptr<Recorded> recorded_;
  torch::Tensor host_;  // page-locked (H, W, 4) uint8 when the device is CUDA
  int64_t recordings_ = 0;
};

}  // namespace palette
