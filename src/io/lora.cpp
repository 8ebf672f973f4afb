#include "io/lora.h"

#include <algorithm>
#include <cmath>
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

class TargetIndex {
 public:
  TargetIndex(const TensorMap& unet, const TensorMap& text) {
    for (const auto& [name, t] : unet) add_weight(name, name, true);
    for (const auto& [ours, original] : checkpoint::unet_original_names(unet)) add_weight(original, ours, true);
    for (const auto& [name, t] : text) add_weight(name, name, false);
  }

  // Resolves a LoRA module key to (target weight name, is_unet); false when it matches nothing.
  bool resolve(const std::string& key, std::string& target, bool& unet) const {
    std::string k = key;
    for (const char* prefix : {"base_model.model.", "unet.", "text_encoder."})
      if (starts_with(k, prefix)) {
        unet = std::string(prefix) != "text_encoder.";
        k = k.substr(std::string(prefix).size());
        break;
      }
    if (starts_with(k, "lora_unet_")) return find(flat_unet_, k.substr(10), target, unet, true);
    if (starts_with(k, "lora_te_")) return find(flat_text_, k.substr(8), target, unet, false);
    if (find(dotted_unet_, k, target, unet, true)) return true;
    if (find(dotted_text_, k, target, unet, false)) return true;
    return find(dotted_text_, "text_model." + k, target, unet, false);
  }

 private:
  void add_weight(const std::string& spelled, const std::string& ours, bool unet) {
    if (!ends_with(spelled, ".weight")) return;
    const std::string module = spelled.substr(0, spelled.size() - 7);
    (unet ? dotted_unet_ : dotted_text_)[module] = ours;
    (unet ? flat_unet_ : flat_text_)[flat(module)] = ours;
  }
  static bool find(const std::map<std::string, std::string>& m, const std::string& k, std::string& target, bool& unet,
                   bool is_unet) {
    auto it = m.find(k);
    if (it == m.end()) return false;
    target = it->second;
    unet = is_unet;
    return true;
  }
  std::map<std::string, std::string> dotted_unet_, flat_unet_, dotted_text_, flat_text_;
};

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

LoraMergeReport merge_lora(const TensorMap& lora, const std::string& source, double scale, TensorMap& unet,
                           TensorMap& text_encoder) {
  if (!std::isfinite(scale)) throw Error("'" + source + "': LoRA scale " + std::to_string(scale) + " is not a finite number");
  std::map<std::string, Pair> pairs;
  for (const auto& [name, t] : lora) {
    std::string key, role;
    if (!parse(name, key, role)) throw Error("'" + source + "': tensor '" + name + "' is not a LoRA up/down/alpha tensor");
    Pair& p = pairs[key];
    (role == "up" ? p.up : role == "down" ? p.down : p.alpha) = t;
    p.example = name;
  }
  const TargetIndex index(unet, text_encoder);
  std::vector<std::tuple<std::string, bool, torch::Tensor>> updates;
  for (const auto& [key, p] : pairs) {
    const std::string where = "'" + source + "': LoRA '" + key + "': ";
    if (!p.up.defined() || !p.down.defined()) throw Error(where + "has no " + (p.up.defined() ? "down" : "up") + " matrix");
    std::string target;
    bool is_unet = true;
    if (!index.resolve(key, target, is_unet))
      throw Error(where + "matches no weight of the UNet or the text encoder (tensor '" + p.example + "')");
    const torch::Tensor& weight = (is_unet ? unet : text_encoder).at(target);
    updates.emplace_back(target, is_unet, weight.to(torch::kFloat) + delta_for(p, weight, scale, where));
  }
  LoraMergeReport report;
  for (auto& [target, is_unet, merged] : updates) {
    (is_unet ? unet : text_encoder)[target] = merged;
    ++(is_unet ? report.unet_layers : report.text_encoder_layers);
  }
  return report;
}

}  // namespace palette
