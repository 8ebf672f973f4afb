#include "app/session_script.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/canvas_presets.h"
#include "app/shortcuts.h"
#include "palette/error.h"

namespace palette::app {

namespace {

using nlohmann::json;

const std::set<std::string>& known_ops() {
  static const std::set<std::string> ops = {
      "set_background", "add_brush",  "select_brush", "set_tool",     "stroke",        "fill",
      "set_prompt",     "undo",       "redo",         "wait_frames",  "wait_picture",  "save",
      "export",         "screenshot", "open",         "drop",         "key",           "set_settings",
      "quit",           "answer",     "choose_file",  "wait_seconds", "wait_autosave", "kill"};
  return ops;
}

Vec2 point(const json& j, const std::string& field) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number())
    throw Error(field + ": expected [x, y]");
  return {j[0].get<double>(), j[1].get<double>()};
}

template <typename T>
T get(const json& a, const char* key, T fallback, const std::string& field) {
  if (!a.contains(key)) return fallback;
  try {
    return a[key].get<T>();
  } catch (const json::exception&) {
    throw Error(field + "." + key + ": wrong type");
  }
}

ScriptAction parse_action(const json& a, const std::string& field, const std::filesystem::path& folder) {
  if (!a.is_object() || !a.contains("do") || !a["do"].is_string())
    throw Error(field + ": expected an object with \"do\"");
  ScriptAction s;
  s.op = a["do"].get<std::string>();
  if (!known_ops().count(s.op)) throw Error(field + ".do: unknown action '" + s.op + "'");
  s.brush = get<int>(a, "brush", 0, field);
  s.text = get<std::string>(a, "prompt", "", field);
  s.name = get<std::string>(a, "name", "", field);
  s.color = get<std::string>(a, "color", "", field);
  s.tool = get<std::string>(a, "tool", "", field);
  s.keys = get<std::string>(a, "keys", "", field);
  if (a.contains("sampler"))
    s.sampler = parse_sampler(get<std::string>(a, "sampler", "", field), field + ".sampler");
  s.steps = get<int>(a, "steps", 0, field);
  s.seed = get<int64_t>(a, "seed", -1, field);
  if (s.op == "key" && !action_for_label(s.keys)) throw Error(field + ".keys: no shortcut '" + s.keys + "'");
  s.size = get<double>(a, "size", 0, field);
  s.hardness = get<double>(a, "hardness", -1, field);
  s.typed = get<bool>(a, "typed", false, field);
  s.settled = get<bool>(a, "settled", false, field);
  s.frames = get<int>(a, "frames", 0, field);
  s.timeout_s = get<double>(a, "timeout_s", 300, field);
  s.kind = get<std::string>(a, "kind", "layout", field);
  if (s.kind != "layout" && s.kind != "palette") throw Error(field + ".kind: 'layout' or 'palette'");
  if (a.contains("path")) {
    const std::filesystem::path p = get<std::string>(a, "path", "", field);
    s.path = p.is_absolute() ? p : folder / p;
  }
  if (a.contains("points")) {
    if (!a["points"].is_array() || a["points"].empty()) throw Error(field + ".points: expected [[x, y], …]");
    for (size_t i = 0; i < a["points"].size(); ++i)
      s.points.push_back(point(a["points"][i], field + ".points[" + std::to_string(i) + "]"));
  }
  if (a.contains("at")) s.at = point(a["at"], field + ".at");
  if (a.contains("x")) s.at = {get<double>(a, "x", 0, field), get<double>(a, "y", 0, field)};
  s.choice = get<std::string>(a, "choice", "", field);
  static const std::set<std::string> choices = {"save", "discard", "cancel", "restore", "create"};
  if (s.op == "answer" && !choices.count(s.choice))
    throw Error(field + ".choice: save, discard, cancel, restore or create");
  if (a.contains("canvas")) {
    const std::string canvas = get<std::string>(a, "canvas", "", field);
    const auto size = parse_size(canvas);
    if (!size) throw Error(field + ".canvas: '" + canvas + "' is not WxH (e.g. 768x768)");
    s.canvas_width = size->first;
    s.canvas_height = size->second;
  }
  s.seconds = get<double>(a, "seconds", 0, field);
  if (s.op == "wait_seconds" && !(s.seconds >= 0 && s.seconds <= 3600))
    throw Error(field + ".seconds: 0 to 3600");
  if (s.op == "stroke" && s.points.empty()) throw Error(field + ".points: a stroke needs points");
  if ((s.op == "save" || s.op == "export" || s.op == "screenshot" || s.op == "open" || s.op == "drop" ||
       s.op == "choose_file") &&
      s.path.empty())
    throw Error(field + ".path: required for " + s.op);
  if (s.brush < 0) throw Error(field + ".brush: 1-based, from the bottom");
  return s;
}

}  // namespace

Script parse_script(std::string_view text, const std::filesystem::path& folder) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error("not valid JSON");
  if (!j.is_object() || !j.contains("actions") || !j["actions"].is_array())
    throw Error("expected {\"actions\": [...]}");
  Script script;
  if (j.contains("prompts")) {
    if (!j["prompts"].is_boolean()) throw Error("prompts: true or false");
    script.prompts = j["prompts"].get<bool>();
  }
  for (size_t i = 0; i < j["actions"].size(); ++i) {
    const std::string field = "actions[" + std::to_string(i) + "]";
    script.actions.push_back(parse_action(j["actions"][i], field, folder));
  }
  return script;
}

Script load_script(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("'" + path.string() + "': cannot read the script");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_script(text.str(), std::filesystem::absolute(path).parent_path());
  } catch (const Error& e) {
    throw Error("'" + path.string() + "': " + e.what());
  }
}

void ScriptRunner::next() {
  ++index_;
  sub_ = 0;
  started_ = -1;
  if (index_ >= script_.actions.size()) finished_ = true;
}

void ScriptRunner::step(ScriptHost& host, double now) {
  if (finished_) return;
  if (index_ >= script_.actions.size()) {
    finished_ = true;
    return;
  }
  const ScriptAction& a = script_.actions[index_];
  try {
    step_action(host, a, now);
  } catch (const std::exception& e) {
    error_ = "script actions[" + std::to_string(index_) + "] (" + a.op + "): " + e.what();
    finished_ = true;
  }
}

void ScriptRunner::step_action(ScriptHost& host, const ScriptAction& a, double now) {
  if (a.op == "stroke") {
    host.stroke_point(a, sub_++);
    if (sub_ == a.points.size()) next();
  } else if (a.op == "set_prompt" && a.typed) {
    // Letter by letter, as a user types: every prefix reaches the document (and the live stream).
    sub_ = std::min(a.text.size(), sub_ + kTypedBytesPerFrame);
    while (sub_ < a.text.size() && (static_cast<unsigned char>(a.text[sub_]) & 0xC0) == 0x80) ++sub_;
    ScriptAction partial = a;
    partial.text = a.text.substr(0, sub_);
    host.perform(partial);
    if (sub_ == a.text.size()) next();
  } else if (a.op == "wait_frames") {
    if (static_cast<int>(sub_++) >= a.frames) next();
  } else if (a.op == "wait_seconds") {
    if (started_ < 0) started_ = now;
    if (now - started_ >= a.seconds) next();
  } else if (a.op == "wait_picture" || a.op == "export" || a.op == "wait_autosave") {
    if (started_ < 0) {
      started_ = now;
      if (a.op == "export") host.perform(a);
    }
    if (host.done(a)) {
      next();
    } else if (now - started_ > a.timeout_s) {
      throw Error("timed out after " + std::to_string(static_cast<int>(a.timeout_s)) + " s");
    }
  } else {
    host.perform(a);
    if (a.op == "quit") {
      quit_ = true;
      finished_ = true;
      return;
    }
    next();
  }
}

}  // namespace palette::app
