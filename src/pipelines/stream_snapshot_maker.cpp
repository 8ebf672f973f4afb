// Document snapshot → StreamSnapshot, reusing mask tensors across unchanged revisions.
#include <torch/torch.h>

#include <random>

#include "palette/document_requests.h"
#include "palette/error.h"
#include "pipelines/document_regions.h"

namespace palette {

namespace {

// A plain loop, not tensor operations: the app makes snapshots on its UI thread, where LibTorch's parallel
// loops wait for every intra-op thread, and on a machine whose cores are busy that stalled frames (issue 23,
// bench/RESULTS.md twenty-first session: 20-35 ms frames in `upkeep` and at the first stream's start on the
// GPU machine). One 512² mask takes a fraction of a millisecond this way.
torch::Tensor mask_tensor(const Mask& mask) {
  const Image gray = mask.to_image();
  torch::Tensor t = torch::empty({gray.height, gray.width}, torch::kFloat32);
  float* out = t.data_ptr<float>();
  if (gray.pixels.size() != size_t(t.numel())) throw Error("a mask's picture has not one byte per pixel");
  for (size_t i = 0; i < gray.pixels.size(); ++i) out[i] = float(gray.pixels[i]) / 255.0f;
  return t;
}

}  // namespace

std::shared_ptr<const StreamSnapshot> StreamSnapshotMaker::operator()(const Snapshot& snapshot) {
  if (snapshot.document_id != document_id_) {
    // Another document: its ids and revisions mean nothing next to the old one's.
    masks_.clear();
    document_id_ = snapshot.document_id;
    std::random_device device;
    random_seed_ = (uint64_t(device()) << 32) ^ device();
  }
  auto out = std::make_shared<StreamSnapshot>();
  out->version = snapshot.version;
  out->width = snapshot.width;
  out->height = snapshot.height;
  out->seed = snapshot.settings.seed.value_or(random_seed_);
  out->revision_scope = snapshot.document_id;
  out->background = region_background_of(snapshot.background);  // the same picture pointer while unchanged
  std::unordered_map<LayerId, CachedMask> kept;  // forgets the masks of deleted layers
  for (const Layer& layer : snapshot.layers) {
    CachedMask cached = masks_.count(layer.id) ? masks_[layer.id] : CachedMask{};
    if (!cached.mask.defined() || cached.revision != layer.mask_revision)
      cached = {layer.mask_revision, mask_tensor(layer.mask)};
    StreamLayer s;
    s.id = layer.id;
    s.enabled = layer.properties.enabled;
    s.region = region_layer_of(layer.properties);
    s.region.mask = cached.mask;
    s.mask_revision = layer.mask_revision;
    out->layers.push_back(std::move(s));
    kept[layer.id] = std::move(cached);
  }
  masks_ = std::move(kept);
  return out;
}

}  // namespace palette
