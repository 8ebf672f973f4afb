#include "models/clip_text/sdxl_text_encoders.h"

#include "palette/error.h"

namespace palette {

SdxlTextEmbeddings SdxlTextEncoders::encode(const std::vector<std::string>& prompts, bool zero_empty) {
  if (!first || !second || !first_tokenizer || !second_tokenizer)
    throw Error("SDXL text encoders: both encoders and both tokenizers are needed");
  if (!second->text_projection)
    throw Error("SDXL text encoders: text_encoder_2 has no text_projection (expected CLIPTextModelWithProjection)");
  const torch::Device device = first->text_model->final_layer_norm->weight.device();
  const torch::Tensor ids_1 = first_tokenizer->encode_batch(prompts).to(device);
  const torch::Tensor ids_2 = second_tokenizer->encode_batch(prompts).to(device);
  if (ids_1.size(1) != ids_2.size(1))
    throw Error("SDXL text encoders: the tokenizers make " + std::to_string(ids_1.size(1)) + " and " +
                std::to_string(ids_2.size(1)) + " tokens; both must make the same number");
  const ClipTextOutput a = first->forward(ids_1);
  const ClipTextOutput b = second->forward(ids_2);
  SdxlTextEmbeddings e{torch::cat({a.penultimate_hidden_state, b.penultimate_hidden_state.to(a.penultimate_hidden_state.dtype())}, -1),
                       b.text_embeds};
  if (!zero_empty) return e;
  std::vector<float> keep;  // 0 for an empty prompt
  for (const std::string& p : prompts) keep.push_back(p.empty() ? 0.0f : 1.0f);
  const torch::Tensor k = torch::tensor(keep).to(device, e.hidden.scalar_type());
  e.hidden = e.hidden * k.view({-1, 1, 1});
  e.pooled = e.pooled * k.view({-1, 1}).to(e.pooled.scalar_type());
  return e;
}

}  // namespace palette
