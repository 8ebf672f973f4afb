#include "io/checkpoint_layout.h"

#include <set>

#include "palette/error.h"

namespace palette::checkpoint {

namespace {

const std::string kUnet = "model.diffusion_model.";
const std::string kVae = "first_stage_model.";
const std::string kClip = "cond_stage_model.transformer.";
const std::string kOpenClip = "cond_stage_model.model.";
const std::string kSdxlClip = "conditioner.embedders.0.transformer.";
const std::string kSdxlOpenClip = "conditioner.embedders.1.model.";
const std::string kConditioner = "conditioner.";

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = s.find('.', start)) != std::string::npos; start = dot + 1) parts.push_back(s.substr(start, dot - start));
  parts.push_back(s.substr(start));
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t from) {
  std::string s;
  for (size_t i = from; i < parts.size(); ++i) s += (i > from ? "." : "") + parts[i];
  return s;
}

int index_of(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(s);
}

// Replaces the first matching `from` prefix of `rest` by `to` (pairs tried in order).
std::string rename_prefix(const std::string& rest, const std::vector<std::pair<std::string, std::string>>& table) {
  for (const auto& [from, to] : table)
    if (rest == from || starts_with(rest, from + ".")) return to + rest.substr(from.size());
  return rest;
}

const std::vector<std::pair<std::string, std::string>> kUnetResnet = {
    {"in_layers.0", "norm1"},  {"in_layers.2", "conv1"},  {"emb_layers.1", "time_emb_proj"},
    {"out_layers.0", "norm2"}, {"out_layers.3", "conv2"}, {"skip_connection", "conv_shortcut"}};
const std::vector<std::pair<std::string, std::string>> kVaeResnet = {{"nin_shortcut", "conv_shortcut"}};
const std::vector<std::pair<std::string, std::string>> kVaeAttention = {
    {"norm", "group_norm"}, {"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"}};
const std::vector<std::pair<std::string, std::string>> kOpenClipLayer = {
    {"ln_1", "layer_norm1"}, {"ln_2", "layer_norm2"}, {"mlp.c_fc", "mlp.fc1"},
    {"mlp.c_proj", "mlp.fc2"}, {"attn.out_proj", "self_attn.out_proj"}};

std::vector<std::pair<std::string, std::string>> inverted(const std::vector<std::pair<std::string, std::string>>& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [a, b] : t) out.emplace_back(b, a);
  return out;
}

[[noreturn]] void unknown(const std::string& source, const std::string& name, const std::string& what) {
  throw Error("'" + source + "': tensor '" + name + "' does not fit the " + what + " layout");
}

// ---- UNet ----------------------------------------------------------------------------------

struct InputSlot {
  int level = 0, layer = 0;
  bool downsampler = false;
};

// Input blocks run level by level: layers_per_block resnet(+attention) blocks, then a
// downsampler ending the level (none after the last level).
std::map<int, InputSlot> scan_input_blocks(const TensorMap& original, int& layers_per_block) {
  std::set<int> blocks, downsamplers;
  for (const auto& [name, t] : original) {
    if (!starts_with(name, kUnet + "input_blocks.")) continue;
    const auto parts = split(name.substr(kUnet.size()));
    const int i = index_of(parts[1]);
    if (i <= 0) continue;
    blocks.insert(i);
    if (parts.size() > 3 && parts[2] == "0" && parts[3] == "op") downsamplers.insert(i);
  }
  std::map<int, InputSlot> slots;
  int level = 0, layer = 0;
  layers_per_block = 0;
  for (int i : blocks) {
    const bool down = downsamplers.count(i) != 0;
    slots[i] = {level, layer, down};
    if (down) {
      if (level == 0) layers_per_block = layer;
      ++level;
      layer = 0;
    } else {
      ++layer;
    }
  }
  if (layers_per_block == 0) layers_per_block = layer;  // a single level without downsampler
  return slots;
}

std::string unet_from_original(const std::string& name, const std::map<int, InputSlot>& inputs, int lpb,
                               const std::string& source) {
  const auto parts = split(name);
  const std::string head = parts[0];
  const int i = parts.size() > 2 ? index_of(parts[1]) : -1;
  const int sub = parts.size() > 3 ? index_of(parts[2]) : -1;
  const std::string tail = parts.size() > 3 ? join(parts, 3) : "";
  if (head == "time_embed") {
    if (parts[1] == "0") return "time_embedding.linear_1." + join(parts, 2);
    if (parts[1] == "2") return "time_embedding.linear_2." + join(parts, 2);
    unknown(source, kUnet + name, "UNet");
  }
  if (head == "label_emb" && parts.size() > 3 && parts[1] == "0") {  // SDXL's text_time addition embedding
    if (parts[2] == "0") return "add_embedding.linear_1." + join(parts, 3);
    if (parts[2] == "2") return "add_embedding.linear_2." + join(parts, 3);
    unknown(source, kUnet + name, "UNet");
  }
  if (head == "out") {
    if (parts[1] == "0") return "conv_norm_out." + join(parts, 2);
    if (parts[1] == "2") return "conv_out." + join(parts, 2);
    unknown(source, kUnet + name, "UNet");
  }
  if (head == "input_blocks" && i == 0 && sub == 0) return "conv_in." + tail;
  if (head == "input_blocks" && inputs.count(i)) {
    const InputSlot& s = inputs.at(i);
    const std::string block = "down_blocks." + std::to_string(s.level) + ".";
    if (s.downsampler && sub == 0 && starts_with(tail, "op."))
      return block + "downsamplers.0.conv." + tail.substr(3);
    if (!s.downsampler && sub == 0) return block + "resnets." + std::to_string(s.layer) + "." + rename_prefix(tail, kUnetResnet);
    if (!s.downsampler && sub == 1) return block + "attentions." + std::to_string(s.layer) + "." + tail;
    unknown(source, kUnet + name, "UNet");
  }
  if (head == "middle_block" && i >= 0) {
    const std::string rest = join(parts, 2);
    if (i == 0) return "mid_block.resnets.0." + rename_prefix(rest, kUnetResnet);
    if (i == 1) return "mid_block.attentions.0." + rest;
    if (i == 2) return "mid_block.resnets.1." + rename_prefix(rest, kUnetResnet);
    unknown(source, kUnet + name, "UNet");
  }
  if (head == "output_blocks" && i >= 0 && sub >= 0 && lpb > 0) {
    const std::string block = "up_blocks." + std::to_string(i / (lpb + 1)) + ".";
    const std::string layer = std::to_string(i % (lpb + 1));
    if (sub == 0) return block + "resnets." + layer + "." + rename_prefix(tail, kUnetResnet);
    if (starts_with(tail, "conv.")) return block + "upsamplers.0.conv." + tail.substr(5);
    if (sub == 1) return block + "attentions." + layer + "." + tail;
    unknown(source, kUnet + name, "UNet");
  }
  unknown(source, kUnet + name, "UNet");
}

std::string unet_to_original(const std::string& name, int lpb, const std::set<int>& up_with_attention) {
  const auto parts = split(name);
  const auto at = [&](size_t k) { return k < parts.size() ? parts[k] : std::string(); };
  if (parts[0] == "time_embedding") return "time_embed." + std::string(at(1) == "linear_1" ? "0." : "2.") + join(parts, 2);
  if (parts[0] == "add_embedding") return "label_emb.0." + std::string(at(1) == "linear_1" ? "0." : "2.") + join(parts, 2);
  if (parts[0] == "conv_in") return "input_blocks.0.0." + join(parts, 1);
  if (parts[0] == "conv_norm_out") return "out.0." + join(parts, 1);
  if (parts[0] == "conv_out") return "out.2." + join(parts, 1);
  const int b = index_of(at(1));
  const int j = index_of(at(3));
  const std::string rest = join(parts, 4);
  if (parts[0] == "down_blocks") {
    const int base = 1 + b * (lpb + 1);
    if (at(2) == "resnets") return "input_blocks." + std::to_string(base + j) + ".0." + rename_prefix(rest, inverted(kUnetResnet));
    if (at(2) == "attentions") return "input_blocks." + std::to_string(base + j) + ".1." + rest;
    if (at(2) == "downsamplers") return "input_blocks." + std::to_string(base + lpb) + ".0.op." + join(parts, 5);
  }
  if (parts[0] == "mid_block") {  // mid_block.<kind>.<j>.…: no block index
    const std::string tail = join(parts, 3);
    if (at(1) == "resnets") return "middle_block." + std::string(at(2) == "0" ? "0." : "2.") + rename_prefix(tail, inverted(kUnetResnet));
    if (at(1) == "attentions") return "middle_block.1." + tail;
  }
  if (parts[0] == "up_blocks") {
    const int base = b * (lpb + 1);
    if (at(2) == "resnets") return "output_blocks." + std::to_string(base + j) + ".0." + rename_prefix(rest, inverted(kUnetResnet));
    if (at(2) == "attentions") return "output_blocks." + std::to_string(base + j) + ".1." + rest;
    if (at(2) == "upsamplers")
      return "output_blocks." + std::to_string(base + lpb) + (up_with_attention.count(b) ? ".2." : ".1.") + join(parts, 4);
  }
  throw Error("no original-layout name for UNet tensor '" + name + "'");
}

// ---- AutoencoderKL -------------------------------------------------------------------------

int vae_decoder_levels(const TensorMap& tensors, const std::string& prefix, const std::string& key) {
  int levels = 0;
  for (const auto& [name, t] : tensors) {
    if (!starts_with(name, prefix + key)) continue;
    levels = std::max(levels, index_of(split(name.substr((prefix + key).size()))[0]) + 1);
  }
  return levels;
}

torch::Tensor squeeze_1x1(const torch::Tensor& t) { return t.dim() == 4 ? t.flatten(1) : t; }

std::string vae_from_original(const std::string& name, int decoder_levels, const std::string& source) {
  const auto parts = split(name);
  if (parts[0] == "quant_conv" || parts[0] == "post_quant_conv") return name;
  if (parts[0] != "encoder" && parts[0] != "decoder") unknown(source, kVae + name, "VAE");
  const std::string side = parts[0] + ".";
  const auto at = [&](size_t k) { return k < parts.size() ? parts[k] : std::string(); };
  if (at(1) == "conv_in" || at(1) == "conv_out") return name;
  if (at(1) == "norm_out") return side + "conv_norm_out." + join(parts, 2);
  if (at(1) == "mid") {
    const std::string rest = join(parts, 3);
    if (at(2) == "block_1") return side + "mid_block.resnets.0." + rename_prefix(rest, kVaeResnet);
    if (at(2) == "block_2") return side + "mid_block.resnets.1." + rename_prefix(rest, kVaeResnet);
    if (at(2) == "attn_1") return side + "mid_block.attentions.0." + rename_prefix(rest, kVaeAttention);
  }
  if ((at(1) == "down" || at(1) == "up") && index_of(at(2)) >= 0) {
    const int level = at(1) == "down" ? index_of(at(2)) : decoder_levels - 1 - index_of(at(2));
    const std::string block = side + (at(1) == "down" ? "down_blocks." : "up_blocks.") + std::to_string(level) + ".";
    if (at(3) == "block" && index_of(at(4)) >= 0) return block + "resnets." + at(4) + "." + rename_prefix(join(parts, 5), kVaeResnet);
    if ((at(3) == "downsample" || at(3) == "upsample") && at(4) == "conv")
      return block + (at(1) == "down" ? "downsamplers.0.conv." : "upsamplers.0.conv.") + join(parts, 5);
  }
  unknown(source, kVae + name, "VAE");
}

std::string vae_to_original(const std::string& name, int decoder_levels) {
  const auto parts = split(name);
  const auto at = [&](size_t k) { return k < parts.size() ? parts[k] : std::string(); };
  if (parts[0] == "quant_conv" || parts[0] == "post_quant_conv") return name;
  const std::string side = parts[0] + ".";
  if (at(1) == "conv_in" || at(1) == "conv_out") return name;
  if (at(1) == "conv_norm_out") return side + "norm_out." + join(parts, 2);
  if (at(1) == "mid_block") {
    const std::string rest = join(parts, 4);
    if (at(2) == "resnets") return side + "mid.block_" + std::to_string(index_of(at(3)) + 1) + "." + rename_prefix(rest, inverted(kVaeResnet));
    if (at(2) == "attentions") return side + "mid.attn_1." + rename_prefix(rest, inverted(kVaeAttention));
  }
  if (at(1) == "down_blocks" || at(1) == "up_blocks") {
    const bool down = at(1) == "down_blocks";
    const int level = down ? index_of(at(2)) : decoder_levels - 1 - index_of(at(2));
    const std::string block = side + (down ? "down." : "up.") + std::to_string(level) + ".";
    if (at(3) == "resnets") return block + "block." + at(4) + "." + rename_prefix(join(parts, 5), inverted(kVaeResnet));
    if (at(3) == "downsamplers" || at(3) == "upsamplers") return block + (down ? "downsample.conv." : "upsample.conv.") + join(parts, 6);
  }
  throw Error("no original-layout name for VAE tensor '" + name + "'");
}

// ---- Text encoders -------------------------------------------------------------------------

// An OpenCLIP text encoder under `prefix` into `text` (transformers names). SD 2.x (`sdxl` false) drops
// the last layer and the projection; SDXL keeps both.
void openclip_from_original(const TensorMap& original, const std::string& prefix, bool sdxl, TensorMap& text,
                            const std::string& source) {
  int layers = 0;
  const std::string blocks = prefix + "transformer.resblocks.";
  for (const auto& [name, t] : original)
    if (starts_with(name, blocks)) layers = std::max(layers, index_of(split(name.substr(blocks.size()))[0]) + 1);
  for (const auto& [full, t] : original) {
    if (!starts_with(full, prefix)) continue;
    const std::string name = full.substr(prefix.size());
    // CLIP's image-text temperature, and position-id buffers that some writers keep: not weights.
    if (name == "logit_scale" || split(name).back() == "position_ids") continue;
    if (name == "text_projection") {
      if (sdxl) text["text_projection.weight"] = t.t().contiguous();  // OpenCLIP: x @ P; a linear layer: x Wᵀ
      continue;
    }
    if (name == "text_projection.weight") {
      // diffusers' convert_diffusers_to_original_sdxl.py keeps transformers' linear weight under this name.
      if (sdxl) text["text_projection.weight"] = t;
      continue;
    }
    if (name == "token_embedding.weight") text["text_model.embeddings.token_embedding.weight"] = t;
    else if (name == "positional_embedding") text["text_model.embeddings.position_embedding.weight"] = t;
    else if (starts_with(name, "ln_final.")) text["text_model.final_layer_norm." + name.substr(9)] = t;
    else if (starts_with(name, "transformer.resblocks.")) {
      const auto parts = split(name);
      const int layer = index_of(parts[2]);
      if (layer < 0) unknown(source, full, "OpenCLIP");
      if (!sdxl && layer == layers - 1) continue;  // SD 2.x conditions on the penultimate layer
      const std::string layer_prefix = "text_model.encoder.layers." + parts[2] + ".";
      const std::string rest = join(parts, 3);
      if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
        const auto qkv = t.chunk(3, 0);
        const std::string kind = rest == "attn.in_proj_weight" ? "weight" : "bias";
        text[layer_prefix + "self_attn.q_proj." + kind] = qkv[0];
        text[layer_prefix + "self_attn.k_proj." + kind] = qkv[1];
        text[layer_prefix + "self_attn.v_proj." + kind] = qkv[2];
      } else {
        const std::string renamed = rename_prefix(rest, kOpenClipLayer);
        if (renamed == rest) unknown(source, full, "OpenCLIP");
        text[layer_prefix + renamed] = t;
      }
    } else {
      unknown(source, full, "OpenCLIP");
    }
  }
}

void openclip_to_original(const TensorMap& text, const std::string& prefix, bool sdxl, TensorMap& out) {
  int layers = 0;
  const std::string blocks = "text_model.encoder.layers.";
  for (const auto& [name, t] : text)
    if (starts_with(name, blocks)) layers = std::max(layers, index_of(split(name.substr(blocks.size()))[0]) + 1);
  const auto emit_layer = [&](int from, int to) {
    const std::string src = blocks + std::to_string(from) + ".";
    const std::string dst = prefix + "transformer.resblocks." + std::to_string(to) + ".";
    for (const char* kind : {"weight", "bias"}) {
      const std::string k = kind;
      out[dst + "attn.in_proj_" + k] = torch::cat({text.at(src + "self_attn.q_proj." + k), text.at(src + "self_attn.k_proj." + k),
                                                   text.at(src + "self_attn.v_proj." + k)});
      for (const auto& [orig, ours] : kOpenClipLayer) out[dst + orig + "." + k] = text.at(src + ours + "." + k);
    }
  };
  for (int i = 0; i < layers; ++i) emit_layer(i, i);
  if (!sdxl && layers > 0) emit_layer(layers - 1, layers);  // SD 2.x's dropped last layer, see header
  if (sdxl) out[prefix + "text_projection"] = text.at("text_projection.weight").t().contiguous();
  out[prefix + "token_embedding.weight"] = text.at("text_model.embeddings.token_embedding.weight");
  out[prefix + "positional_embedding"] = text.at("text_model.embeddings.position_embedding.weight");
  out[prefix + "ln_final.weight"] = text.at("text_model.final_layer_norm.weight");
  out[prefix + "ln_final.bias"] = text.at("text_model.final_layer_norm.bias");
}

}  // namespace

bool is_original_layout(const TensorMap& tensors) {
  for (const auto& [name, t] : tensors)
    if (starts_with(name, kUnet)) return true;
  return false;
}

Components from_original(const TensorMap& original, const std::string& source) {
  Components out;
  bool sdxl_clip = false, sdxl_openclip = false;
  int lpb = 0;
  const auto inputs = scan_input_blocks(original, lpb);
  const int vae_levels = vae_decoder_levels(original, kVae, "decoder.up.");
  for (const auto& [name, t] : original) {
    if (starts_with(name, kUnet)) {
      out.unet[unet_from_original(name.substr(kUnet.size()), inputs, lpb, source)] = t;
    } else if (starts_with(name, kVae)) {
      const std::string renamed = vae_from_original(name.substr(kVae.size()), vae_levels, source);
      out.vae[renamed] = renamed.find(".mid_block.attentions.") != std::string::npos ? squeeze_1x1(t) : t;
    } else if (starts_with(name, kClip)) {
      const std::string rest = name.substr(kClip.size());
      out.text_encoder[starts_with(rest, "text_model.") ? rest : "text_model." + rest] = t;
      out.text_layout = TextEncoderLayout::ClipSd1;
    } else if (starts_with(name, kOpenClip)) {
      out.text_layout = TextEncoderLayout::OpenClipSd2;
    } else if (starts_with(name, kSdxlClip)) {
      const std::string rest = name.substr(kSdxlClip.size());
      out.text_encoder[starts_with(rest, "text_model.") ? rest : "text_model." + rest] = t;
      sdxl_clip = true;
    } else if (starts_with(name, kSdxlOpenClip)) {
      sdxl_openclip = true;
    } else if (starts_with(name, kConditioner)) {
      throw Error("'" + source + "': tensor '" + name + "' does not fit SDXL's conditioner layout (" + kSdxlClip +
                  "* and " + kSdxlOpenClip + "*): an SDXL refiner or another model's conditioner, not read");
    }
  }
  if (sdxl_clip != sdxl_openclip)
    throw Error("'" + source + "': an SDXL checkpoint with only one of its two text encoders (no " +
                (sdxl_clip ? kSdxlOpenClip : kSdxlClip) + "* tensors): the conditioner is truncated");
  if (sdxl_clip) {
    out.text_layout = TextEncoderLayout::SdxlPair;
    openclip_from_original(original, kSdxlOpenClip, true, out.text_encoder_2, source);
  }
  if (out.text_layout == TextEncoderLayout::OpenClipSd2) openclip_from_original(original, kOpenClip, false, out.text_encoder, source);
  if (out.unet.empty()) throw Error("'" + source + "': no UNet tensors (model.diffusion_model.*) in this checkpoint");
  return out;
}

std::map<std::string, std::string> unet_original_names(const TensorMap& unet) {
  std::set<int> resnets0, up_with_attention;
  for (const auto& [name, t] : unet) {
    const auto parts = split(name);
    if (parts.size() < 4) continue;
    if (parts[0] == "down_blocks" && parts[1] == "0" && parts[2] == "resnets") resnets0.insert(index_of(parts[3]));
    if (parts[0] == "up_blocks" && parts[2] == "attentions") up_with_attention.insert(index_of(parts[1]));
  }
  const int lpb = static_cast<int>(resnets0.size());
  std::map<std::string, std::string> names;
  for (const auto& [name, t] : unet) names[name] = unet_to_original(name, lpb, up_with_attention);
  return names;
}

TensorMap to_original(const Components& c, TextEncoderLayout text_layout) {
  TensorMap out;
  for (const auto& [ours, original] : unet_original_names(c.unet)) out[kUnet + original] = c.unet.at(ours);
  const int vae_levels = vae_decoder_levels(c.vae, "", "decoder.up_blocks.");
  for (const auto& [name, t] : c.vae) {
    const bool attention = name.find(".mid_block.attentions.") != std::string::npos && t.dim() == 2;
    out[kVae + vae_to_original(name, vae_levels)] = attention ? t.reshape({t.size(0), t.size(1), 1, 1}) : t;
  }
  if (text_layout == TextEncoderLayout::ClipSd1)
    for (const auto& [name, t] : c.text_encoder) out[kClip + name] = t;
  if (text_layout == TextEncoderLayout::OpenClipSd2) openclip_to_original(c.text_encoder, kOpenClip, false, out);
  if (text_layout == TextEncoderLayout::SdxlPair) {
    for (const auto& [name, t] : c.text_encoder) out[kSdxlClip + name] = t;
    openclip_to_original(c.text_encoder_2, kSdxlOpenClip, true, out);
  }
  return out;
}

}  // namespace palette::checkpoint
