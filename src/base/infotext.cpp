// AUTOMATIC1111's infotext, written and read the way its web UI does (modules/infotext_utils.py), so
// the tools that read A1111's PNGs read ours the same way.
#include "palette/infotext.h"

#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "palette/error.h"

namespace palette {

namespace {

// Python's \w for str patterns: letters, digits and '_' (any non-ASCII byte is taken as part of a
// letter, which is what UTF-8 text in a key almost always is).
bool word_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}
bool key_char(unsigned char c) {
  return word_char(c) || c == ' ' || c == '-' || c == '/';
}
bool space_char(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// A1111 quotes a value holding ',', ':' or a newline as a JSON string; we also quote one that starts
// with a quote or a space (the parser would take the quote for its own or drop the space).
std::string quote(const std::string& value) {
  const bool plain = value.find_first_of(",:\n") == std::string::npos && value.front() != '"' &&
                     !space_char(value.front()) && !space_char(value.back());
  if (plain) return value;
  return nlohmann::json(value).dump(-1, ' ', /*ensure_ascii=*/false,
                                    nlohmann::json::error_handler_t::replace);
}

std::string unquote(const std::string& value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return value;
  try {
    const nlohmann::json j = nlohmann::json::parse(value);
    if (j.is_string()) return j.get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space_char(s.front())) s.remove_prefix(1);
  while (!s.empty() && space_char(s.back())) s.remove_suffix(1);
  return s;
}

// re.findall(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)', line), without a regex engine:
// at each start, whitespace, a key and ':'; then a quoted value when it is followed by ',' or the end,
// else everything up to the next comma. A start that does not match moves on by one character.
std::vector<std::pair<std::string, std::string>> find_params(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> found;
  size_t start = 0;
  while (start < line.size()) {
    size_t i = start;
    while (i < line.size() && space_char(line[i])) ++i;
    const size_t key_begin = i;
    if (i < line.size() && word_char(line[i])) ++i;
    while (i < line.size() && key_char(line[i])) ++i;
    if (i - key_begin < 2 || !word_char(line[key_begin]) || i >= line.size() || line[i] != ':') {
      ++start;
      continue;
    }
    std::string key(line.substr(key_begin, i - key_begin));
    ++i;
    while (i < line.size() && space_char(line[i])) ++i;
    size_t end = std::string_view::npos;
    if (i < line.size() && line[i] == '"') {
      size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' && j + 1 < line.size() ? 2 : 1;
      if (j < line.size() && j > i + 1 && (j + 1 == line.size() || line[j + 1] == ',')) end = j + 1;
    }
    if (end == std::string_view::npos) end = std::min(line.find(',', i), line.size());
    found.emplace_back(std::move(key), std::string(line.substr(i, end - i)));
    start = end < line.size() ? end + 1 : line.size();
  }
  return found;
}

}  // namespace

void Infotext::add(std::string key, std::string value) {
  if (!value.empty()) fields.emplace_back(std::move(key), std::move(value));
}

const std::string* Infotext::find(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

std::string infotext_sampler_name(Sampler sampler) {
  if (sampler == Sampler::euler_a) return "Euler a";
  if (sampler == Sampler::euler) return "Euler";
  if (sampler == Sampler::ddim) return "DDIM";
  if (sampler == Sampler::lcm) return "LCM";
  return std::string(sampler_name(sampler));  // lcm_stream: A1111 has no name for this schedule
}

std::string infotext_model_name(const std::string& model) {
  std::filesystem::path path = std::filesystem::path(model).lexically_normal();
  if (!path.empty() && !path.has_filename()) path = path.parent_path();  // "models/sd15/"
  if (path.extension() == ".safetensors") return path.stem().string();
  return path.filename().string();
}

std::string infotext_number(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

void add_generation_fields(Infotext& info, const GenerationFields& f) {
  info.add("Steps", std::to_string(f.steps));
  info.add("Sampler", infotext_sampler_name(f.sampler));
  info.add("CFG scale", infotext_number(f.guidance));
  info.add("Seed", std::to_string(f.seed));
  info.add("Size", std::to_string(f.width) + "x" + std::to_string(f.height));
  info.add("Model", infotext_model_name(f.model));
}

std::string format_infotext(const Infotext& info) {
  std::string params;
  for (const auto& [key, value] : info.fields) {
    bool readable = key.size() >= 2 && word_char(key[0]);
    for (unsigned char c : key) readable = readable && key_char(c);
    if (!readable) throw Error("infotext key '" + key + "' is not one A1111's parser reads");
    if (value.empty()) continue;
    if (!params.empty()) params += ", ";
    params += key + ": " + quote(value);
  }
  std::string text = info.prompt;
  if (!info.negative_prompt.empty())
    text += (text.empty() ? "" : "\n") + ("Negative prompt: " + info.negative_prompt);
  if (!params.empty()) text += (text.empty() ? "" : "\n") + params;
  return text;
}

Infotext parse_infotext(std::string_view text) {
  std::vector<std::string_view> lines;
  text = trim(text);
  for (size_t at = 0;;) {
    const size_t nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  Infotext info;
  std::vector<std::pair<std::string, std::string>> params = find_params(lines.back());
  if (params.size() < 3)
    params.clear();
  else
    lines.pop_back();
  bool negative = false;
  for (std::string_view line : lines) {
    line = trim(line);
    constexpr std::string_view kNegative = "Negative prompt:";
    if (line.substr(0, kNegative.size()) == kNegative) {
      negative = true;
      line = trim(line.substr(kNegative.size()));
    }
    std::string& into = negative ? info.negative_prompt : info.prompt;
    into += (into.empty() ? "" : "\n") + std::string(line);
  }
  for (auto& [key, value] : params) info.fields.emplace_back(std::move(key), unquote(value));
  return info;
}

}  // namespace palette
