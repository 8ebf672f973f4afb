#include "app/session_script.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>

#include "app/canvas_presets.h"
#include "app/random_edit.h"
#include "app/shortcuts.h"
#include "palette/error.h"

namespace palette::app {

using namespace script;

namespace {

using nlohmann::json;

// Every field an action may carry, read with the same checks whatever the action: a script's typo in a
// field the action does not use is still an error.
struct Fields {
  int brush = 0;
  std::vector<Vec2> points;
  Vec2 at;
  std::string prompt, name, color, tool, keys, choice;
  double size = 0;
  double hardness = -1;
  bool typed = false;
  bool settled = false;
  int frames = 0;
  double timeout_s = 300;
  std::filesystem::path path;
  DocumentKind kind = DocumentKind::Layout;
  std::optional<Sampler> sampler;
  std::optional<LiveMode> live_mode;
  int steps = 0;
  int64_t seed = -1;
  int canvas_width = 0;
  int canvas_height = 0;
  double seconds = 0;
  double max_mean = 1.0;
  bool full_size = false;
};

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

Fields parse_fields(const json& a, const std::string& field, const std::filesystem::path& folder) {
  Fields s;
  s.brush = get<int>(a, "brush", 0, field);
  s.prompt = get<std::string>(a, "prompt", "", field);
  s.name = get<std::string>(a, "name", "", field);
  s.color = get<std::string>(a, "color", "", field);
  s.tool = get<std::string>(a, "tool", "", field);
  s.keys = get<std::string>(a, "keys", "", field);
  s.max_mean = get<double>(a, "max_mean", 1.0, field);
  s.full_size = get<bool>(a, "full_size", false, field);
  if (a.contains("sampler"))
    s.sampler = parse_sampler(get<std::string>(a, "sampler", "", field), field + ".sampler");
  if (a.contains("live_mode")) {
    const std::string mode = get<std::string>(a, "live_mode", "", field);
    s.live_mode = live_mode_named(mode);
    if (!s.live_mode)
      throw Error(field + ".live_mode: '" + mode + "' is not a live mode (auto, multidiffusion or regional)");
  }
  s.steps = get<int>(a, "steps", 0, field);
  s.seed = get<int64_t>(a, "seed", -1, field);
  s.size = get<double>(a, "size", 0, field);
  s.hardness = get<double>(a, "hardness", -1, field);
  s.typed = get<bool>(a, "typed", false, field);
  s.settled = get<bool>(a, "settled", false, field);
  s.frames = get<int>(a, "frames", 0, field);
  s.timeout_s = get<double>(a, "timeout_s", 300, field);
  const std::string kind = get<std::string>(a, "kind", "layout", field);
  if (kind != "layout" && kind != "palette") throw Error(field + ".kind: 'layout' or 'palette'");
  s.kind = kind == "palette" ? DocumentKind::Palette : DocumentKind::Layout;
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
  if (a.contains("canvas")) {
    const std::string canvas = get<std::string>(a, "canvas", "", field);
    const auto size = parse_size(canvas);
    if (!size) throw Error(field + ".canvas: '" + canvas + "' is not WxH (e.g. 768x768)");
    s.canvas_width = size->first;
    s.canvas_height = size->second;
  }
  s.seconds = get<double>(a, "seconds", 0, field);
  return s;
}

template <typename WithPath>
const std::filesystem::path& required_path(const Fields& f, const std::string& field) {
  if (f.path.empty()) throw Error(field + ".path: required for " + std::string(WithPath::kName));
  return f.path;
}

PromptAnswer prompt_answer(const std::string& choice, const std::string& field) {
  static const std::map<std::string, PromptAnswer> answers = {{"save", PromptAnswer::Save},
                                                              {"discard", PromptAnswer::Discard},
                                                              {"cancel", PromptAnswer::Cancel},
                                                              {"restore", PromptAnswer::Restore},
                                                              {"create", PromptAnswer::Create}};
  const auto it = answers.find(choice);
  if (it == answers.end()) throw Error(field + ".choice: save, discard, cancel, restore or create");
  return it->second;
}

// The one place an action's name is read: each "do" value makes its struct from the fields.
using Make = ScriptAction (*)(const Fields&, const std::string& field);
const std::map<std::string_view, Make>& makers() {
  static const std::map<std::string_view, Make> table = {
      {SetBackground::kName,
       [](const Fields& f, const std::string&) -> ScriptAction { return SetBackground{f.prompt}; }},
      {AddBrush::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return AddBrush{f.name, f.color, f.prompt};
       }},
      {SelectBrush::kName,
       [](const Fields& f, const std::string&) -> ScriptAction { return SelectBrush{f.brush}; }},
      {SetTool::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return SetTool{f.tool, f.size, f.hardness};
       }},
      {Stroke::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         if (f.points.empty()) throw Error(field + ".points: a stroke needs points");
         return Stroke{f.brush, f.points, f.size, f.tool};
       }},
      {Fill::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return Fill{f.brush, f.at};
       }},
      {SetPrompt::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return SetPrompt{f.brush, f.prompt, f.typed};
       }},
      {Undo::kName, [](const Fields&, const std::string&) -> ScriptAction { return Undo{}; }},
      {Redo::kName, [](const Fields&, const std::string&) -> ScriptAction { return Redo{}; }},
      {WaitFrames::kName,
       [](const Fields& f, const std::string&) -> ScriptAction { return WaitFrames{f.frames}; }},
      {WaitPicture::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return WaitPicture{f.settled, f.timeout_s};
       }},
      {Save::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Save{required_path<Save>(f, field), f.kind};
       }},
      {Export::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Export{required_path<Export>(f, field), f.timeout_s};
       }},
      {Screenshot::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Screenshot{required_path<Screenshot>(f, field)};
       }},
      {Open::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Open{required_path<Open>(f, field)};
       }},
      {Drop::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Drop{required_path<Drop>(f, field)};
       }},
      {Key::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         const std::optional<Action> action = action_for_label(f.keys);
         if (!action) throw Error(field + ".keys: no shortcut '" + f.keys + "'");
         return Key{*action};
       }},
      {SetSettings::kName,
       [](const Fields& f, const std::string&) -> ScriptAction {
         return SetSettings{f.sampler, f.steps, f.seed, f.live_mode};
       }},
      {Quit::kName, [](const Fields&, const std::string&) -> ScriptAction { return Quit{}; }},
      {Answer::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return Answer{prompt_answer(f.choice, field), f.canvas_width, f.canvas_height};
       }},
      {ChooseFile::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         return ChooseFile{required_path<ChooseFile>(f, field)};
       }},
      {WaitSeconds::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         if (!(f.seconds >= 0 && f.seconds <= 3600)) throw Error(field + ".seconds: 0 to 3600");
         return WaitSeconds{f.seconds};
       }},
      {WaitAutosave::kName,
       [](const Fields& f, const std::string&) -> ScriptAction { return WaitAutosave{f.timeout_s}; }},
      {Kill::kName, [](const Fields&, const std::string&) -> ScriptAction { return Kill{}; }},
      {CheckPicture::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         if (!(f.max_mean >= 0 && f.max_mean <= 255)) throw Error(field + ".max_mean: 0 to 255");
         return CheckPicture{f.max_mean, f.timeout_s, f.full_size};
       }},
      {RemoveBrush::kName, [](const Fields& f, const std::string&) -> ScriptAction { return RemoveBrush{f.brush}; }},
      {RandomEdits::kName,
       [](const Fields& f, const std::string& field) -> ScriptAction {
         if (!(f.seconds > 0 && f.seconds <= 24 * 3600)) throw Error(field + ".seconds: above 0, at most a day");
         return RandomEdits{f.seconds, static_cast<uint64_t>(std::max<int64_t>(f.seed, 0))};
       }},
  };
  return table;
}

ScriptAction parse_action(const json& a, const std::string& field, const std::filesystem::path& folder) {
  if (!a.is_object() || !a.contains("do") || !a["do"].is_string())
    throw Error(field + ": expected an object with \"do\"");
  const std::string op = a["do"].get<std::string>();
  const auto make = makers().find(op);
  if (make == makers().end()) throw Error(field + ".do: unknown action '" + op + "'");
  const Fields fields = parse_fields(a, field, folder);
  ScriptAction action = make->second(fields, field);
  if (fields.brush < 0) throw Error(field + ".brush: 1-based, from the bottom");
  return action;
}

template <typename... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <typename... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

}  // namespace

std::string_view action_name(const ScriptAction& action) {
  return std::visit([](const auto& a) { return std::decay_t<decltype(a)>::kName; }, action);
}

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
    error_ =
        "script actions[" + std::to_string(index_) + "] (" + std::string(action_name(a)) + "): " + e.what();
    finished_ = true;
  }
}

template <typename Waiting>
void ScriptRunner::wait_for(ScriptHost& host, const Waiting& a, double now) {
  if (started_ < 0) {
    started_ = now;
    if constexpr (std::is_same_v<Waiting, Export>) host.perform(a);
  }
  if (host.done(a)) {
    next();
  } else if (now - started_ > a.timeout_s) {
    throw Error("timed out after " + std::to_string(static_cast<int>(a.timeout_s)) + " s");
  }
}

void ScriptRunner::step_action(ScriptHost& host, const ScriptAction& action, double now) {
  std::visit(
      Overloaded{
          [&](const Stroke& a) {
            host.stroke_point(a, sub_++);
            if (sub_ == a.points.size()) next();
          },
          [&](const SetPrompt& a) {
            if (!a.typed) {
              host.perform(a);
              next();
              return;
            }
            // Letter by letter, as a user types: every prefix reaches the document (and the live stream).
            sub_ = std::min(a.prompt.size(), sub_ + kTypedBytesPerFrame);
            while (sub_ < a.prompt.size() && (static_cast<unsigned char>(a.prompt[sub_]) & 0xC0) == 0x80)
              ++sub_;
            SetPrompt partial = a;
            partial.prompt = a.prompt.substr(0, sub_);
            host.perform(partial);
            if (sub_ == a.prompt.size()) next();
          },
          [&](const WaitFrames& a) {
            if (static_cast<int>(sub_++) >= a.frames) next();
          },
          [&](const WaitSeconds& a) {
            if (started_ < 0) started_ = now;
            if (now - started_ >= a.seconds) next();
          },
          [&](const RandomEdits& a) {
            if (started_ < 0) {
              started_ = now;
              random_state_ = random_edit_state(a.seed);
              drawn_edits_.clear();
            }
            if (now - started_ >= a.seconds) {
              next();
              return;
            }
            if (sub_ > 0) {  // the pause the previous edit asked for
              --sub_;
              return;
            }
            const RandomEdit edit = random_edit(random_state_, host.canvas_size(), host.brush_count());
            ++drawn_edits_[std::string(action_name(edit.action))];
            if (const auto* stroke = std::get_if<Stroke>(&edit.action)) {
              for (size_t i = 0; i < stroke->points.size(); ++i) host.stroke_point(*stroke, i);
            } else if (!std::holds_alternative<WaitFrames>(edit.action)) {
              host.perform(edit.action);
            }
            sub_ = static_cast<size_t>(edit.pause_frames);
          },
          [&](const WaitPicture& a) { wait_for(host, a, now); },
          [&](const CheckPicture& a) { wait_for(host, a, now); },
          [&](const Export& a) { wait_for(host, a, now); },
          [&](const WaitAutosave& a) { wait_for(host, a, now); },
          [&](const Quit&) {
            host.perform(action);
            quit_ = true;
            finished_ = true;
          },
          [&](const auto&) {  // the rest are done at once
            host.perform(action);
            next();
          },
      },
      action);
}

}  // namespace palette::app
