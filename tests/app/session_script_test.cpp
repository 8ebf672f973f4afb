#include "app/session_script.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include <variant>

#include "palette/error.h"

namespace palette::app {
namespace {

TEST(SessionScript, ParsesActionsAndResolvesPaths) {
  const Script s = parse_script(R"({"actions": [
      {"do": "stroke", "brush": 2, "size": 12, "points": [[1, 2], [3.5, 4]]},
      {"do": "add_brush", "name": "sky", "color": "#4080ff", "prompt": "a sky"},
      {"do": "save", "path": "out.json", "kind": "palette"},
      {"do": "export", "path": "/abs/out.png"},
      {"do": "quit"}]})",
                                "/work/session");
  ASSERT_EQ(s.actions.size(), 5u);
  const auto& stroke = std::get<script::Stroke>(s.actions[0]);
  EXPECT_EQ(stroke.brush, 2);
  ASSERT_EQ(stroke.points.size(), 2u);
  EXPECT_DOUBLE_EQ(stroke.points[1].x, 3.5);
  EXPECT_EQ(std::get<script::AddBrush>(s.actions[1]).name, "sky");
  EXPECT_EQ(std::get<script::AddBrush>(s.actions[1]).prompt, "a sky");
  EXPECT_EQ(std::get<script::Save>(s.actions[2]).path, std::filesystem::path("/work/session/out.json"));
  EXPECT_EQ(std::get<script::Save>(s.actions[2]).kind, DocumentKind::Palette);
  EXPECT_EQ(std::get<script::Export>(s.actions[3]).path, std::filesystem::path("/abs/out.png"));
  EXPECT_TRUE(std::holds_alternative<script::Quit>(s.actions[4]));
  EXPECT_EQ(action_name(s.actions[4]), "quit");
  const Script settings =
      parse_script(R"({"actions": [{"do": "set_settings", "sampler": "smd", "seed": 7}]})", "/");
  const auto& set = std::get<script::SetSettings>(settings.actions[0]);
  EXPECT_EQ(set.sampler, Sampler::lcm_stream);  // the old name still reads
  EXPECT_EQ(set.steps, 0);                      // unchanged
  EXPECT_EQ(set.seed, 7);
  EXPECT_FALSE(set.live_mode.has_value());
  const Script mode = parse_script(R"({"actions": [{"do": "set_settings", "live_mode": "regional"}]})", "/");
  EXPECT_EQ(std::get<script::SetSettings>(mode.actions[0]).live_mode, LiveMode::RegionalAttention);
  const Script check = parse_script(R"({"actions": [{"do": "check_picture", "max_mean": 2.5}]})", "/");
  EXPECT_EQ(std::get<script::CheckPicture>(check.actions[0]).max_mean, 2.5);
  EXPECT_FALSE(std::get<script::CheckPicture>(check.actions[0]).full_size);
  const Script full = parse_script(R"({"actions": [{"do": "check_picture", "full_size": true}]})", "/");
  EXPECT_TRUE(std::get<script::CheckPicture>(full.actions[0]).full_size);
  const Script key = parse_script(R"({"actions": [{"do": "key", "keys": "Ctrl+Z"}]})", "/");
  EXPECT_EQ(std::get<script::Key>(key.actions[0]).action, *action_for_label("Ctrl+Z"));
}

// The sessions the GPU scripts run (scripts/gpu/app-session.sh, app-bad-input.sh) parse here, so a typo costs
// no GPU lease.
TEST(SessionScript, TheBenchSessionsParse) {
  int sessions = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(PALETTE_SOURCE_DIR) / "bench" /
                                                                "app-session")) {
    if (entry.path().extension() != ".json" || entry.path().filename().string().find(".layout.") != std::string::npos)
      continue;
    EXPECT_NO_THROW(load_script(entry.path())) << entry.path();
    ++sessions;
  }
  EXPECT_GE(sessions, 5);
}

TEST(SessionScript, PromptsRecoveryAndCrashActions) {
  const Script s = parse_script(R"({"prompts": true, "actions": [
      {"do": "answer", "choice": "save"},
      {"do": "answer", "choice": "create", "canvas": "1024x576"},
      {"do": "choose_file", "path": "u.json"},
      {"do": "wait_seconds", "seconds": 1.5},
      {"do": "wait_autosave", "timeout_s": 20},
      {"do": "kill"}]})",
                                "/work");
  EXPECT_TRUE(s.prompts);
  EXPECT_EQ(std::get<script::Answer>(s.actions[0]).choice, PromptAnswer::Save);
  EXPECT_EQ(std::get<script::Answer>(s.actions[1]).choice, PromptAnswer::Create);
  EXPECT_EQ(std::get<script::Answer>(s.actions[1]).canvas_width, 1024);
  EXPECT_EQ(std::get<script::Answer>(s.actions[1]).canvas_height, 576);
  EXPECT_EQ(std::get<script::ChooseFile>(s.actions[2]).path, std::filesystem::path("/work/u.json"));
  EXPECT_DOUBLE_EQ(std::get<script::WaitSeconds>(s.actions[3]).seconds, 1.5);
  EXPECT_DOUBLE_EQ(std::get<script::WaitAutosave>(s.actions[4]).timeout_s, 20);
  EXPECT_TRUE(std::holds_alternative<script::Kill>(s.actions[5]));
  EXPECT_FALSE(parse_script(R"({"actions": []})", "/").prompts) << "scripts are not asked by default";
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "answer", "choice": "maybe"}]})", "/"), Error);
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "answer", "choice": "create", "canvas": "big"}]})", "/"),
               Error);
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "choose_file"}]})", "/"), Error);
  EXPECT_THROW(parse_script(R"({"prompts": 1, "actions": []})", "/"), Error);
}

TEST(SessionScript, WaitSecondsWaitsOnTheClock) {
  struct Host : ScriptHost {
    void perform(const ScriptAction&) override {}
    void stroke_point(const script::Stroke&, size_t) override {}
    bool done(const script::WaitPicture&) override { return true; }
    bool done(const script::Export&) override { return true; }
    bool done(const script::WaitAutosave&) override { return true; }
    bool done(const script::CheckPicture&) override { return true; }
    Vec2 canvas_size() const override { return {512, 512}; }
    int brush_count() const override { return 0; }
  } host;
  ScriptRunner r(parse_script(R"({"actions": [{"do": "wait_seconds", "seconds": 2}]})", "/"));
  r.step(host, 10);
  r.step(host, 11.9);
  EXPECT_FALSE(r.finished());
  r.step(host, 12);
  EXPECT_TRUE(r.finished());
}

TEST(SessionScript, ErrorsNameTheAction) {
  auto message = [](const char* text) {
    try {
      parse_script(text, "/");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("[1, 2]"), "expected {\"actions\": [...]}");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"fly\"}]}"), "actions[0].do: unknown action 'fly'");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"quit\"}, {\"do\": \"stroke\", \"points\": [[1]]}]}"),
            "actions[1].points[0]: expected [x, y]");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"save\"}]}"), "actions[0].path: required for save");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"stroke\", \"size\": \"big\", \"points\": [[0, 0]]}]}"),
            "actions[0].size: wrong type");
  EXPECT_EQ(message("{"), "not valid JSON");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"set_settings\", \"live_mode\": \"fast\"}]}"),
            "actions[0].live_mode: 'fast' is not a live mode (auto, multidiffusion or regional)");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"random_edits\", \"seconds\": 0}]}"),
            "actions[0].seconds: above 0, at most a day");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"check_picture\", \"max_mean\": -1}]}"),
            "actions[0].max_mean: 0 to 255");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"check_picture\", \"full_size\": \"yes\"}]}"),
            "actions[0].full_size: wrong type");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"key\", \"keys\": \"Ctrl+K\"}]}"),
            "actions[0].keys: no shortcut 'Ctrl+K'");
  // A field the action does not use is still checked, as a user's typo would be.
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"quit\", \"frames\": \"two\"}]}"),
            "actions[0].frames: wrong type");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"answer\", \"choice\": \"maybe\"}]}"),
            "actions[0].choice: save, discard, cancel, restore or create");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"wait_seconds\", \"seconds\": 4000}]}"),
            "actions[0].seconds: 0 to 3600");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"stroke\"}]}"), "actions[0].points: a stroke needs points");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"undo\", \"brush\": -1}]}"),
            "actions[0].brush: 1-based, from the bottom");
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"save\", \"kind\": \"png\", \"path\": \"a\"}]}"),
            "actions[0].kind: 'layout' or 'palette'");
  EXPECT_EQ(message("{\"actions\": [7]}"), "actions[0]: expected an object with \"do\"");
}

// Records what the runner asks for; waiting actions finish after `wait_checks` checks.
class FakeHost : public ScriptHost {
 public:
  std::vector<std::string> log;
  int wait_checks = 0;
  bool fail = false;
  void perform(const ScriptAction& a) override {
    if (fail) throw Error("boom");
    const auto* typing = std::get_if<script::SetPrompt>(&a);
    log.push_back(std::string(action_name(a)) + (typing ? ":" + typing->prompt : ""));
  }
  void stroke_point(const script::Stroke& a, size_t i) override {
    log.push_back("point " + std::to_string(i) + "/" + std::to_string(a.points.size()));
  }
  bool done(const script::WaitPicture&) override { return check("wait_picture"); }
  bool done(const script::Export&) override { return check("export"); }
  bool done(const script::WaitAutosave&) override { return check("wait_autosave"); }
  bool done(const script::CheckPicture&) override { return check("check_picture"); }
  Vec2 canvas_size() const override { return {512, 384}; }
  int brush_count() const override { return 0; }
  std::vector<std::string> checked;

 private:
  bool check(const char* what) {
    checked.push_back(what);
    return wait_checks-- <= 0;
  }
};

TEST(ScriptRunner, OneStepPerFrame) {
  ScriptRunner r(parse_script(R"({"actions": [
      {"do": "stroke", "points": [[0, 0], [1, 1], [2, 2]]},
      {"do": "undo"},
      {"do": "quit"},
      {"do": "redo"}]})",
                              "/"));
  FakeHost host;
  int frames = 0;
  while (!r.finished() && frames < 100) r.step(host, frames++);
  EXPECT_EQ(host.log, (std::vector<std::string>{"point 0/3", "point 1/3", "point 2/3", "undo", "quit"}));
  EXPECT_TRUE(r.quit_requested());  // and nothing after the quit runs
  EXPECT_EQ(r.error(), "");
}

TEST(ScriptRunner, TypedPromptsArriveAFewLettersAtATime) {
  ScriptRunner r(
      parse_script(R"({"actions": [{"do": "set_prompt", "prompt": "a cat", "typed": true}]})", "/"));
  FakeHost host;
  for (int i = 0; i < 10 && !r.finished(); ++i) r.step(host, i);
  EXPECT_EQ(host.log, (std::vector<std::string>{"set_prompt:a c", "set_prompt:a cat"}));
}

TEST(ScriptRunner, TypingNeverSplitsAUtf8Character) {
  // "abé" is 4 bytes; a 3-byte step would end inside é, so the first step takes all of it.
  ScriptRunner r(parse_script(
      "{\"actions\": [{\"do\": \"set_prompt\", \"prompt\": \"ab\xC3\xA9\", \"typed\": true}]}", "/"));
  FakeHost host;
  for (int i = 0; i < 10 && !r.finished(); ++i) r.step(host, i);
  EXPECT_EQ(host.log, std::vector<std::string>{"set_prompt:ab\xC3\xA9"});
}

TEST(ScriptRunner, WaitsUntilDoneAndStartsTheExportOnce) {
  ScriptRunner r(parse_script(
      R"({"actions": [{"do": "export", "path": "x.png"}, {"do": "wait_frames", "frames": 2}]})", "/"));
  FakeHost host;
  host.wait_checks = 3;
  int frames = 0;
  while (!r.finished() && frames < 100) r.step(host, frames++);
  EXPECT_EQ(host.log, std::vector<std::string>{"export"});
  EXPECT_EQ(frames, 4 + 3);  // four checks of the export, then three frames of waiting
  EXPECT_EQ(host.checked, std::vector<std::string>(4, "export"));
}

TEST(ScriptRunner, TimeoutAndFailuresStopWithAMessage) {
  ScriptRunner r(
      parse_script(R"({"actions": [{"do": "wait_picture", "timeout_s": 5}, {"do": "quit"}]})", "/"));
  FakeHost host;
  host.wait_checks = 1000;
  for (double t = 0; t < 100 && !r.finished(); t += 1) r.step(host, t);
  EXPECT_EQ(r.error(), "script actions[0] (wait_picture): timed out after 5 s");
  EXPECT_FALSE(r.quit_requested());

  ScriptRunner f(parse_script(R"({"actions": [{"do": "undo"}]})", "/"));
  host.fail = true;
  f.step(host, 0);
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(f.error(), "script actions[0] (undo): boom");
}

// A document as random_edits sees it: brushes added and removed, every stroke point checked against the
// canvas and the brushes that exist at that moment.
class EditedDocument : public FakeHost {
 public:
  int brushes = 3;
  std::map<std::string, int> kinds;
  std::string problems;
  void perform(const ScriptAction& a) override {
    const std::string name(action_name(a));
    ++kinds[name];
    log.push_back(name);
    if (std::holds_alternative<script::AddBrush>(a)) ++brushes;
    if (const auto* remove = std::get_if<script::RemoveBrush>(&a)) {
      if (remove->brush < 1 || remove->brush > brushes) problems += " removed a brush that does not exist;";
      --brushes;
    }
    if (const auto* prompt = std::get_if<script::SetPrompt>(&a))
      if (prompt->brush < 1 || prompt->brush > brushes) problems += " prompted a brush that does not exist;";
  }
  void stroke_point(const script::Stroke& a, size_t i) override {
    if (i == 0) ++kinds["stroke"], log.push_back("stroke");
    if (a.brush < 1 || a.brush > brushes) problems += " stroke with a brush that does not exist;";
    const Vec2 p = a.points[i];
    if (p.x < 0 || p.y < 0 || p.x >= 512 || p.y >= 384) problems += " stroke point off the canvas;";
  }
  Vec2 canvas_size() const override { return {512, 384}; }
  int brush_count() const override { return brushes; }
};

TEST(ScriptRunner, RandomEditsAreVariedValidAndReplayable) {
  const auto run = [](uint64_t seed) {
    ScriptRunner r(parse_script(
        R"({"actions": [{"do": "random_edits", "seconds": 60, "seed": )" + std::to_string(seed) + "}]}", "/"));
    EditedDocument doc;
    int frame = 0;
    for (; !r.finished() && frame < 100000; ++frame) r.step(doc, frame / 60.0);  // 60 frames a second
    EXPECT_TRUE(r.error().empty()) << r.error();
    EXPECT_EQ(frame, 3601) << "one minute of frames, then the next action";
    return doc;
  };
  const EditedDocument a = run(7), again = run(7), other = run(8);
  EXPECT_EQ(a.problems, "");
  EXPECT_GE(a.brushes, 2);
  EXPECT_LE(a.brushes, 8);
  for (const char* kind : {"stroke", "set_prompt", "undo", "redo", "add_brush", "remove_brush", "set_settings"})
    EXPECT_GT(a.kinds.count(kind) ? a.kinds.at(kind) : 0, 0) << kind << " never happened in a minute";
  EXPECT_GT(a.log.size(), 300u) << "an edit every few frames";
  EXPECT_EQ(a.log, again.log) << "a seed replays the same session";
  // Another seed is another session, not the same one a few edits later or earlier: at every small shift,
  // the two logs agree about as often as two independent draws of edit kinds do.
  for (int shift = -20; shift <= 20; ++shift) {
    int same = 0, compared = 0;
    for (size_t i = 0; i < 300; ++i) {
      const int64_t j = static_cast<int64_t>(i) + shift;
      if (j < 0 || j >= static_cast<int64_t>(other.log.size())) continue;
      ++compared;
      same += a.log[i] == other.log[static_cast<size_t>(j)];
    }
    EXPECT_LT(same, compared * 0.6) << "seed 8's edits are seed 7's shifted by " << shift;
  }
}

// The runner's own count of what random_edits drew (the metrics' "edits") agrees with what the document saw,
// and starts again with each random_edits action.
TEST(ScriptRunner, RandomEditsCountWhatTheyDrew) {
  ScriptRunner r(parse_script(
      R"({"actions": [{"do": "random_edits", "seconds": 20, "seed": 3}, {"do": "random_edits", "seconds": 5, "seed": 4}]})",
      "/"));
  EXPECT_TRUE(r.drawn_edits().empty());
  EditedDocument doc;
  int frame = 0;
  for (; r.position() == 0 && frame < 100000; ++frame) r.step(doc, frame / 60.0);
  const auto first = r.drawn_edits();
  for (const auto& [kind, seen] : doc.kinds) {
    ASSERT_TRUE(first.count(kind)) << kind << " happened but was not counted";
    EXPECT_EQ(first.at(kind), seen) << kind;
  }
  int pauses = 0, total = 0;
  for (const auto& [kind, count] : first) {
    total += count;
    if (kind == "wait_frames") pauses = count;
  }
  EXPECT_EQ(total - pauses, static_cast<int>(doc.log.size()));
  for (; !r.finished() && frame < 100000; ++frame) r.step(doc, frame / 60.0);
  int second = 0;
  for (const auto& [kind, count] : r.drawn_edits()) second += count;
  EXPECT_GT(second, 0);
  EXPECT_LT(second, total) << "the second block's counts include the first's";
}

}  // namespace
}  // namespace palette::app
