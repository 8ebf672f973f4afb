// What a UNet takes beside the latent, the timestep and the text (UNet2DConditionModelImpl::forward):
// its own header, so code that only passes conditions along (prompt encoding) need not see the network.
#pragma once

#include <torch/types.h>

namespace palette {

// What some UNets take beside the latent, the timestep and the text; each is left undefined where the
// model has no use for it. A batch of 1 serves every item.
struct UNetConditions {
  // (B,time_cond_proj_dim): the guidance-scale embedding of LCM-distilled UNets; undefined skips the
  // projection, as in diffusers.
  torch::Tensor timestep_cond;
  // SDXL's added conditions (addition_embed_type "text_time"), both required by such a UNet:
  torch::Tensor text_embeds;  // (B,pooled): the pooled, projected text embedding
  torch::Tensor time_ids;     // (B,6): original height, width, crop top, left, target height, width (pixels)
};

}  // namespace palette
