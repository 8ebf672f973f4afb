#include "app/session_script.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(s.actions[0].brush, 2);
  ASSERT_EQ(s.actions[0].points.size(), 2u);
  EXPECT_DOUBLE_EQ(s.actions[0].points[1].x, 3.5);
  EXPECT_EQ(s.actions[1].name, "sky");
  EXPECT_EQ(s.actions[1].text, "a sky");
  EXPECT_EQ(s.actions[2].path, std::filesystem::path("/work/session/out.json"));
  EXPECT_EQ(s.actions[2].kind, "palette");
  EXPECT_EQ(s.actions[3].path, std::filesystem::path("/abs/out.png"));
  const Script settings =
      parse_script(R"({"actions": [{"do": "set_settings", "sampler": "smd", "seed": 7}]})", "/");
  EXPECT_EQ(settings.actions[0].sampler, Sampler::lcm_stream);  // the old name still reads
  EXPECT_EQ(settings.actions[0].steps, 0);  // unchanged
  EXPECT_EQ(settings.actions[0].seed, 7);
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
  EXPECT_EQ(s.actions[0].choice, "save");
  EXPECT_EQ(s.actions[1].canvas_width, 1024);
  EXPECT_EQ(s.actions[1].canvas_height, 576);
  EXPECT_EQ(s.actions[2].path, std::filesystem::path("/work/u.json"));
  EXPECT_DOUBLE_EQ(s.actions[3].seconds, 1.5);
  EXPECT_DOUBLE_EQ(s.actions[4].timeout_s, 20);
  EXPECT_FALSE(parse_script(R"({"actions": []})", "/").prompts) << "scripts are not asked by default";
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "answer", "choice": "maybe"}]})", "/"), Error);
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "answer", "choice": "create", "canvas": "big"}]})", "/"), Error);
  EXPECT_THROW(parse_script(R"({"actions": [{"do": "choose_file"}]})", "/"), Error);
  EXPECT_THROW(parse_script(R"({"prompts": 1, "actions": []})", "/"), Error);
}

TEST(SessionScript, WaitSecondsWaitsOnTheClock) {
  struct Host : ScriptHost {
    void perform(const ScriptAction&) override {}
    void stroke_point(const ScriptAction&, size_t) override {}
    bool done(const ScriptAction&) override { return true; }
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
  EXPECT_EQ(message("{\"actions\": [{\"do\": \"key\", \"keys\": \"Ctrl+K\"}]}"),
            "actions[0].keys: no shortcut 'Ctrl+K'");
}

// Records what the runner asks for; waiting actions finish after `wait_checks` checks.
class FakeHost : public ScriptHost {
 public:
  std::vector<std::string> log;
  int wait_checks = 0;
  bool fail = false;
  void perform(const ScriptAction& a) override {
    if (fail) throw Error("boom");
    log.push_back(a.op + (a.text.empty() ? "" : ":" + a.text));
  }
  void stroke_point(const ScriptAction& a, size_t i) override {
    log.push_back("point " + std::to_string(i) + "/" + std::to_string(a.points.size()));
  }
  bool done(const ScriptAction&) override { return wait_checks-- <= 0; }
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

}  // namespace
}  // namespace palette::app
