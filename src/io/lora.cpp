#include "io/lora.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "io/checkpoint_layout.h"
#include "palette/error.h"

namespace palette {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& x) {
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::string flat(std::string name) {
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

struct Pair {
  torch::Tensor up, down, alpha;
  std::string example;  // one of its tensor names, for messages
};

// Splits a LoRA tensor name into (module key, role) where role is up, down or alpha.
bool parse(const std::string& name, std::string& key, std::string& role) {
  static const std::vector<std::pair<std::string, std::string>> suffixes = {
      {".lora_up.weight", "up"}, {".lora_down.weight", "down"}, {".lora_B.weight", "up"}, {".lora_A.weight", "down"},
      {"_lora.up.weight", "up"}, {"_lora.down.weight", "down"}, {".lora.up.weight", "up"}, {".lora.down.weight", "down"},
      {".alpha", "alpha"}};
  for (const auto& [suffix, r] : suffixes) {
    if (!ends_with(name, suffix)) continue;
    key = name.substr(0, name.size() - suffix.size());
    role = r;
    // diffusers' attention processors: "….processor.to_q_lora" targets "….to_q" (to_out → to_out.0).
    const auto processor = key.find(".processor.");
    if (processor != std::string::npos) {
      std::string target = key.substr(processor + 11);
      key = key.substr(0, processor) + "." + (target == "to_out" ? "to_out.0" : target);
    }
    return true;
  }
  return false;
}

enum class Target { Unet, Text, Text2 };

class TargetIndex {
 public:
  explicit TargetIndex(const LoraTargets& t) {
    for (const auto& [name, w] : t.unet) add_weight(name, name, Target::Unet);
    for (const auto& [ours, original] : checkpoint::unet_original_names(t.unet)) add_weight(original, ours, Target::Unet);
    for (const auto& [name, w] : t.text_encoder) add_text_weight(name, Target::Text);
    if (t.text_encoder_2)
      for (const auto& [name, w] : *t.text_encoder_2) add_text_weight(name, Target::Text2);
  }

  // Resolves a LoRA module key to (target weight name, which model part); false when it matches nothing.
  bool resolve(const std::string& key, std::string& target, Target& part) const {
    std::string k = key;
    std::optional<Target> named;  // the part a prefix names
    for (const auto& [prefix, p] : {std::pair{"base_model.model.", Target::Unet}, std::pair{"unet.", Target::Unet},
                                    std::pair{"text_encoder_2.", Target::Text2}, std::pair{"text_encoder.", Target::Text}})
      if (starts_with(k, prefix)) {
        if (std::string(prefix) != "base_model.model.") named = p;
        k = k.substr(std::string(prefix).size());
        break;
      }
    if (starts_with(k, "lora_unet_")) return find(Target::Unet, true, k.substr(10), target, part);
    if (starts_with(k, "lora_te1_")) return find(Target::Text, true, k.substr(9), target, part);
    if (starts_with(k, "lora_te2_")) return find(Target::Text2, true, k.substr(9), target, part);
    if (starts_with(k, "lora_te_")) return find(Target::Text, true, k.substr(8), target, part);
    for (const Target p : {Target::Unet, Target::Text, Target::Text2})
      if ((!named || *named == p) && find(p, false, k, target, part)) return true;
    return false;
  }

 private:
  void add_weight(const std::string& spelled, const std::string& ours, Target part) {
    if (!ends_with(spelled, ".weight")) return;
    const std::string module = spelled.substr(0, spelled.size() - 7);
    dotted_[int(part)][module] = ours;
    flat_[int(part)][flat(module)] = ours;
  }
  // Text encoders are stored, and named by LoRAs, with or without transformers' "text_model." prefix:
  // both spellings lead to the stored weight.
  void add_text_weight(const std::string& name, Target part) {
    add_weight(name, name, part);
    if (starts_with(name, "text_projection")) return;
    add_weight(starts_with(name, "text_model.") ? name.substr(11) : "text_model." + name, name, part);
  }
  bool find(Target p, bool flat_name, const std::string& k, std::string& target, Target& part) const {
    const auto& m = (flat_name ? flat_ : dotted_)[int(p)];
    auto it = m.find(k);
    if (it == m.end()) return false;
    target = it->second;
    part = p;
    return true;
  }
  std::map<std::string, std::string> dotted_[3], flat_[3];
};

std::string family_of_width(int64_t width) {
  switch (width) {
    case 768: return " (SD 1.x)";
    case 1024: return " (SD 2.x)";
    case 2048: return " (SDXL)";
    default: return "";
  }
}

// A LoRA made for another family would fail somewhere in the middle with a shape message; say what it is
// instead: its text encoder keys (one encoder, or SDXL's two) and the width its cross-attention reads.
void require_same_family(const std::map<std::string, Pair>& pairs, const std::string& source,
                         const LoraTargets& targets) {
  const bool sdxl = targets.text_encoder_2 != nullptr;
  const std::string model = sdxl ? "an SDXL model" : "an SD 1.x/2.x model";
  for (const auto& [key, p] : pairs) {
    const bool one_encoder = key.find("lora_te_") != std::string::npos;
    const bool two_encoders = key.find("lora_te1_") != std::string::npos || key.find("lora_te2_") != std::string::npos ||
                              key.find("text_encoder_2.") != std::string::npos;
    if (sdxl && one_encoder)
      throw Error("'" + source + "': a LoRA for SD 1.x/2.x models (its '" + p.example +
                  "' names a single text encoder, lora_te_; SDXL LoRAs name lora_te1_ and lora_te2_), and this is " + model);
    if (!sdxl && two_encoders)
      throw Error("'" + source + "': a LoRA for SDXL models (its '" + p.example +
                  "' names one of SDXL's two text encoders: lora_te1_, lora_te2_ or text_encoder_2.), and this is " +
                  model);
  }
  int64_t model_width = 0;
  for (const auto& [name, w] : targets.unet)
    if (ends_with(name, "attn2.to_k.weight") && w.dim() == 2) {
      model_width = w.size(1);
      break;
    }
  for (const auto& [key, p] : pairs) {
    const bool cross_key = (key.find("attn2.to_k") != std::string::npos || key.find("attn2_to_k") != std::string::npos);
    if (!cross_key || !p.down.defined() || p.down.dim() < 2 || model_width == 0) continue;
    const int64_t width = p.down.size(1);
    if (width != model_width)
      throw Error("'" + source + "': a LoRA whose cross-attention reads " + std::to_string(width) + "-wide text embeddings" +
                  family_of_width(width) + " ('" + p.example + "'), and this model's reads " +
                  std::to_string(model_width) + family_of_width(model_width) + ": made for another model family");
  }
}

// Throws unless `t` is a floating-point tensor of finite values; `what` names it ("up", "alpha").
void require_finite(const torch::Tensor& t, const std::string& where, const char* what) {
  if (!t.is_floating_point())
    throw Error(where + what + " must hold floating-point numbers, not " + std::string(c10::toString(t.scalar_type())));
  if (!torch::isfinite(t).all().item<bool>()) throw Error(where + what + " holds NaN or infinite values");
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream text;
  text << t.sizes();
  return text.str();
}

torch::Tensor delta_for(const Pair& p, const torch::Tensor& weight, double scale, const std::string& where) {
  for (const auto& [t, what] : {std::pair{p.up, "up"}, std::pair{p.down, "down"}}) {
    if (t.dim() < 2) throw Error(where + what + " must be a matrix, not of shape " + shape_of(t));
    require_finite(t, where, what);
  }
  const auto up = p.up.to(torch::kFloat).flatten(1);
  const auto down = p.down.to(torch::kFloat).flatten(1);
  const int64_t rank = down.size(0);
  // alpha / rank scales the delta: rank 0 would divide by zero.
  if (rank == 0) throw Error(where + "has rank 0 (down has no rows)");
  if (up.size(1) != rank)
    throw Error(where + "up has rank " + std::to_string(up.size(1)) + " but down has rank " + std::to_string(rank));
  if (up.size(0) * down.size(1) != weight.numel() || up.size(0) != weight.size(0))
    throw Error(where + "up @ down gives " + std::to_string(up.size(0)) + "×" + std::to_string(down.size(1)) +
                " values, which do not fit the weight's shape");
  double alpha = double(rank);
  if (p.alpha.defined()) {
    if (p.alpha.numel() != 1)
      throw Error(where + "alpha must be one number, not a tensor of shape " + shape_of(p.alpha));
    alpha = p.alpha.to(torch::kDouble).item<double>();
    if (!std::isfinite(alpha)) throw Error(where + "alpha is " + std::to_string(alpha) + ", not a finite number");
  }
  const torch::Tensor delta = torch::matmul(up, down).reshape(weight.sizes()) * (scale * alpha / double(rank));
  if (!torch::isfinite(delta).all().item<bool>())
    throw Error(where + "scale × alpha / rank × up @ down overflows (scale " + std::to_string(scale) + ", alpha " +
                std::to_string(alpha) + ", rank " + std::to_string(rank) + ")");
  return delta;
}

}  // namespace

LoraMergeReport merge_lora(const TensorMap& lora, const std::string& source, double scale, LoraTargets targets) {
  if (!std::isfinite(scale)) throw Error("'" + source + "': LoRA scale " + std::to_string(scale) + " is not a finite number");
  std::map<std::string, Pair> pairs;
  for (const auto& [name, t] : lora) {
    std::string key, role;
    if (!parse(name, key, role)) throw Error("'" + source + "': tensor '" + name + "' is not a LoRA up/down/alpha tensor");
    Pair& p = pairs[key];
    (role == "up" ? p.up : role == "down" ? p.down : p.alpha) = t;
    p.example = name;
  }
  require_same_family(pairs, source, targets);
  const TargetIndex index(targets);
  const auto weights_of = [&](Target part) -> TensorMap& {
    return part == Target::Unet ? targets.unet : part == Target::Text ? targets.text_encoder : *targets.text_encoder_2;
  };
  std::vector<std::tuple<std::string, Target, torch::Tensor>> updates;
  for (const auto& [key, p] : pairs) {
    const std::string where = "'" + source + "': LoRA '" + key + "': ";
    if (!p.up.defined() || !p.down.defined()) throw Error(where + "has no " + (p.up.defined() ? "down" : "up") + " matrix");
    std::string target;
    Target part = Target::Unet;
    if (!index.resolve(key, target, part))
      throw Error(where + "matches no weight of the UNet or the text encoder" + (targets.text_encoder_2 ? "s" : "") +
                  " (tensor '" + p.example + "')");
    const torch::Tensor& weight = weights_of(part).at(target);
    updates.emplace_back(target, part, weight.to(torch::kFloat) + delta_for(p, weight, scale, where));
  }
  LoraMergeReport report;
  for (auto& [target, part, merged] : updates) {
    weights_of(part)[target] = merged;
    ++(part == Target::Unet ? report.unet_layers : part == Target::Text ? report.text_encoder_layers : report.text_encoder_2_layers);
  }
  return report;
}

}  // namespace palette
