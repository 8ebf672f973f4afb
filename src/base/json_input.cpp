#include "palette/json_input.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "palette/error.h"

namespace palette {

namespace {

constexpr size_t kMaxShownText = 200;

std::string cut(std::string text) {
  if (text.size() > kMaxShownText) text = text.substr(0, kMaxShownText) + "…";
  return text;
}

// The streaming pass: nlohmann calls it for each token and stops at the first `false`, so a refused
// text costs the scan's own memory only (the open objects' keys, at most max_values of them).
class BoundedScan {
 public:
  using json = nlohmann::json;
  explicit BoundedScan(const JsonLimits& limits) : limits_(limits) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& name) {
    Frame& frame = frames_.back();
    const auto [it, inserted] = frame.keys.insert(name);
    if (!inserted) return refuse("duplicate key \"" + cut(name) + "\" in " + where(frames_.size() - 1));
    frame.key = &*it;  // set elements never move
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const json::exception& e) {
    std::string message = e.what();
    const auto start = message.find("] ");  // drop nlohmann's "[json.exception.…] " prefix
    if (start != std::string::npos) message = message.substr(start + 2);
    return refuse("not valid JSON: " + cut(message));
  }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool object = false;
    std::unordered_set<std::string> keys;  // of an object: to find a key given twice
    const std::string* key = nullptr;      // of an object: the member being read
    uint64_t next_index = 0;               // of an array: the element after the one being read
  };

  bool refuse(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool value() {
    if (++values_ > limits_.max_values) return refuse("more than " + std::to_string(limits_.max_values) + " JSON values");
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().next_index;
    return true;
  }

  bool open(bool object) {
    if (!value()) return false;
    if (int(frames_.size()) >= limits_.max_depth)
      return refuse("JSON nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    frames_.push_back({object, {}, nullptr, 0});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  // The path to the container that frames_[depth] is, as the file's error messages write fields.
  std::string where(size_t depth) const {
    if (depth == 0) return frames_[0].object ? "the top-level object" : "the top-level array";
    std::string path;
    for (size_t i = 0; i < depth; ++i) {
      const Frame& f = frames_[i];
      if (f.object)
        path += (path.empty() ? "" : ".") + cut(f.key != nullptr ? *f.key : std::string());
      else
        path += "[" + std::to_string(f.next_index - 1) + "]";
    }
    return path;
  }

  JsonLimits limits_;
  uint64_t values_ = 0;
  std::vector<Frame> frames_;
  std::string error_;
};

template <typename JsonType>
JsonType parse_bounded(std::string_view text, const JsonLimits& limits) {
  BoundedScan scan(limits);
  if (!JsonType::sax_parse(text.begin(), text.end(), &scan)) throw Error(scan.error());
  try {
    return JsonType::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // not expected after the scan; kept one line all the same
    throw Error("not valid JSON: " + cut(e.what()));
  }
}

}  // namespace

nlohmann::json parse_bounded_json(std::string_view text, const JsonLimits& limits) {
  return parse_bounded<nlohmann::json>(text, limits);
}

nlohmann::ordered_json parse_bounded_ordered_json(std::string_view text, const JsonLimits& limits) {
  return parse_bounded<nlohmann::ordered_json>(text, limits);
}

}  // namespace palette
