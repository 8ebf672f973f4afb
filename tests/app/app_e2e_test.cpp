// The real app in a real (virtual) display: a scripted session under Xvfb with Mesa's llvmpipe and
// the tiny fixture model on the CPU. The screenshot goes to build/test-output/app_session.png for a
// person to look at.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>

#include "palette/document_file.h"
#include "palette/image.h"
#include "pipelines/background_photos.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

struct AppRun {
  int status = -1;
  std::string output;
};

AppRun run(const std::string& command) {
  AppRun r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool have_xvfb() {
  return run("command -v xvfb-run").status == 0;
}

// The app under Xvfb in `dir`. xvfb-run's exit status replaces the app's when its own clean-up fails (status 5,
// "problem while cleaning up temporary directory", seen under a parallel ctest), so a shell inside xvfb-run
// prints the app's status and it is read from there.
// `env` goes before the app's environment (e.g. "OMP_WAIT_POLICY=ACTIVE ").
AppRun run_app(const test::TempDir& dir, const std::string& args, const std::string& env = "") {
  constexpr std::string_view kStatusMarker = "\n[semantic-palette exit status ";
  AppRun r = run("cd " + quote(dir.path().string()) + " && " + env + "OPENBLAS_NUM_THREADS=1 XDG_CONFIG_HOME=" +
                 quote((dir / "config").string()) + " xvfb-run -a -s '-screen 0 1280x800x24' sh -c '\"$0\" \"$@\"; " +
                 "s=$?; printf \"\\n[semantic-palette exit status %d]\\n\" $s; exit $s' " + quote(PALETTE_APP_PATH) +
                 " " + args);
  const size_t at = r.output.rfind(kStatusMarker);
  if (at == std::string::npos) return r;  // the app never ran: xvfb-run's status stands
  r.status = std::atoi(r.output.c_str() + at + kStatusMarker.size());
  r.output.erase(at, r.output.find(']', at) + 1 - at);
  return r;
}

// The app without any display: DISPLAY unset, --offscreen.
std::string offscreen_command(const test::TempDir& dir, const std::string& args) {
  return "cd " + quote(dir.path().string()) + " && env -u DISPLAY -u WAYLAND_DISPLAY OPENBLAS_NUM_THREADS=1 XDG_CONFIG_HOME=" +
         quote((dir / "config").string()) + " timeout 600 " + quote(PALETTE_APP_PATH) + " --offscreen " + args;
}

// The app offscreen on a fixture model (CPU, 128² unless `size` says otherwise: "" is the app's own choice)
// running dir/session.json; `no_egl` when the machine has no EGL device to draw on (the caller skips).
struct OffscreenRun {
  AppRun app;
  bool no_egl = false;
};
OffscreenRun offscreen_session(const test::TempDir& dir, const std::string& fixture_model,
                               const std::string& size = "--size 128x128") {
  const std::filesystem::path model = test::fixtures_dir() / fixture_model;
  OffscreenRun r{run(offscreen_command(
      dir, "--model " + quote(model.string()) + " --device cpu " + size + " --script session.json"))};
  r.no_egl = r.app.output.find("no EGL device") != std::string::npos;
  return r;
}
constexpr const char* kNoEgl = "no EGL device here (apt-get install libegl1 libegl-mesa0): ";

// Keeps a screenshot in build/test-output/ for a person to look at.
void keep(const test::TempDir& dir, const std::string& shot, const std::string& name) {
  std::filesystem::create_directories(PALETTE_TEST_OUTPUT_DIR);
  std::filesystem::copy_file(dir / shot, std::filesystem::path(PALETTE_TEST_OUTPUT_DIR) / name,
                             std::filesystem::copy_options::overwrite_existing);
}

constexpr const char* kSession = R"({"actions": [
  {"do": "set_background", "prompt": "a green meadow"},
  {"do": "drop", "path": "meadow.png"},
  {"do": "drop", "path": "photo.png"},
  {"do": "set_prompt", "brush": 1, "prompt": "a blue sky"},
  {"do": "set_tool", "tool": "brush", "size": 20, "hardness": 1},
  {"do": "stroke", "brush": 1, "points": [[10, 12], [60, 14], [118, 12]]},
  {"do": "add_brush", "name": "house", "color": "#e0a020", "prompt": "a house"},
  {"do": "stroke", "brush": 2, "size": 30, "points": [[40, 80], [70, 90], [90, 100]]},
  {"do": "set_prompt", "brush": 2, "prompt": "a small red house", "typed": true},
  {"do": "key", "keys": "Ctrl+Z"},
  {"do": "key", "keys": "Ctrl+Shift+Z"},
  {"do": "set_settings", "live_mode": "multidiffusion"},
  {"do": "wait_picture", "timeout_s": 300},
  {"do": "check_picture", "max_mean": 0.5, "timeout_s": 300},
  {"do": "save", "path": "session.layout.json"},
  {"do": "export", "path": "session.png", "timeout_s": 300},
  {"do": "wait_frames", "frames": 2},
  {"do": "screenshot", "path": "window.png"},
  {"do": "quit"}]})";

TEST(AppE2E, ScriptedSessionSavesExportsAndScreenshots) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  const std::filesystem::path model = test::fixtures_dir() / "tiny-sd15";
  ASSERT_TRUE(std::filesystem::is_directory(model)) << model;
  test::TempDir dir;
  std::ofstream(dir / "session.json") << kSession;
  write_png(dir / "meadow.png", Image{16, 8, 3, std::vector<uint8_t>(16 * 8 * 3, 90)});
  write_png(dir / "photo.png", test::photo(128, 128));  // replaces the meadow: painted over from here on
  const AppRun r = run_app(
      dir, "--model " + quote(model.string()) +
               " --device cpu --size 128x128 --script session.json --metrics metrics.jsonl");
  ASSERT_EQ(r.status, 0) << r.output;

  // The screenshot first, so a person can look at it whatever fails below.
  ASSERT_TRUE(std::filesystem::exists(dir / "window.png")) << r.output;
  keep(dir, "window.png", "app_session.png");
  const Image shot = read_image(dir / "window.png");
  EXPECT_EQ(shot.width, 1280);
  EXPECT_EQ(shot.height, 800);

  const LoadedDocument saved = load_document(dir / "session.layout.json");
  EXPECT_EQ(saved.kind, DocumentKind::Layout);
  const DocumentContent& c = saved.document.content();
  EXPECT_EQ(c.width, 128);
  EXPECT_EQ(c.background.prompt, "a green meadow");
  ASSERT_TRUE(c.background.image) << "the dropped image is not the background";
  EXPECT_EQ(c.background.image->pixels, test::photo(128, 128).pixels) << "the newest drop wins";
  ASSERT_EQ(c.layers.size(), 2u);
  EXPECT_EQ(c.layers[0].properties.prompt, "a blue sky");
  EXPECT_EQ(c.layers[1].properties.name, "house");
  EXPECT_EQ(c.layers[1].properties.prompt, "a small red house");
  EXPECT_EQ(c.layers[0].mask.at(60, 14), 255);  // on the first stroke
  EXPECT_EQ(c.layers[0].mask.at(60, 60), 0);
  EXPECT_EQ(c.layers[1].mask.at(70, 90), 255);  // on the second
  EXPECT_EQ(c.layers[1].mask.at(10, 12), 0);
  // The model in use, as the layout loads it back: the fixture lies outside the layout's folder.
  EXPECT_EQ(c.settings.model, std::filesystem::absolute(model).lexically_normal().string());

  const Image png = read_image(dir / "session.png");
  EXPECT_EQ(png.width, 128);
  EXPECT_EQ(png.height, 128);
  // The export is the full-size blend: unpainted pixels are the photo's, painted ones generated.
  const Image photo = test::photo(128, 128);
  EXPECT_EQ(test::pixel_difference(png, photo, 10, 60), 0);
  EXPECT_EQ(test::pixel_difference(png, photo, 120, 45), 0);
  EXPECT_GT(test::pixel_difference(png, photo, 60, 12) + test::pixel_difference(png, photo, 70, 90), 2);
  const auto text = read_png_text(dir / "session.png");
  ASSERT_TRUE(text.count("parameters")) << "no parameters chunk";
  EXPECT_TRUE(text.at("parameters").find("Regions: 2") != std::string::npos) << text.at("parameters");
  // The picture carries its layout and reopens as it: the same layers, the same masks.
  ASSERT_TRUE(text.count("semantic-palette")) << "no layout chunk";
  EXPECT_EQ(nlohmann::json::parse(text.at("semantic-palette"))["layers"].size(), 2u);
  const LoadedDocument picture = load_document(dir / "session.png");
  ASSERT_EQ(picture.document.content().layers.size(), 2u);
  EXPECT_EQ(picture.document.content().layers[1].mask.at(70, 90), 255);

  // The streamed picture after the edits, undo, redo and a mode switch is what a fresh engine renders.
  EXPECT_NE(r.output.find("picture check: mean difference"), std::string::npos) << r.output;

  // The session's figures: a line per action, in order, then the summary.
  std::ifstream metrics(dir / "metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(nlohmann::json::parse(line));
  const nlohmann::json script = nlohmann::json::parse(kSession)["actions"];
  ASSERT_EQ(lines.size(), script.size() + 1) << "one line per action and a summary";
  for (size_t i = 0; i < script.size(); ++i) {
    EXPECT_EQ(lines[i]["action"], i);
    EXPECT_EQ(lines[i]["do"], script[i]["do"]);
  }
  const nlohmann::json& summary = lines.back()["summary"];
  EXPECT_GE(summary["pictures"].get<int>(), 1);
  EXPECT_GE(summary["first_change_ms"]["count"].get<int>(), 1);
  EXPECT_GT(summary["ui_frame_ms"]["count"].get<int>(), 10);
  // The slowest frame is split by the app's own clock: the phases inside App::frame took measurable time
  // (drawing the canvas and panels on llvmpipe takes milliseconds), and with the rest they make the frame.
  const nlohmann::json& slowest = summary.at("slowest_ui_frame");
  double in_frame = 0;
  for (const char* key : {"engine_poll", "upkeep", "take_frames", "script", "gl_canvas", "panels"})
    in_frame += slowest.at(key).get<double>();
  EXPECT_GT(slowest.at("gl_canvas").get<double>() + slowest.at("panels").get<double>(), 0.0) << slowest.dump();
  EXPECT_NEAR(in_frame + slowest.at("other").get<double>(), slowest.at("ms").get<double>(), 0.5) << slowest.dump();
  std::printf("app session (CPU, tiny model, 128²): %s\n", summary.dump().c_str());

  // The saved file is now the newest recent file.
  std::ifstream recent(dir / "config/semantic-palette/recent.json");
  ASSERT_TRUE(recent.good());
  const nlohmann::json j = nlohmann::json::parse(recent);
  ASSERT_FALSE(j["recent"].empty());
  EXPECT_EQ(std::filesystem::path(j["recent"][0].get<std::string>()).filename(), "session.layout.json");
}

// What a first-time user meets: no model of their own, so the built-in one, on the CPU, with the landscape
// example; a stroke, and the app's own stroke-to-picture figure (printed, not asserted: timing belongs to
// benchmarks, bench/RESULTS.md).
TEST(AppE2E, BuiltInModelPaintsAStrokeAndReportsItsLatency) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "stroke.json") << R"({"actions": [
    {"do": "wait_picture", "timeout_s": 300},
    {"do": "stroke", "brush": 6, "size": 40, "points": [[300, 330], [340, 335], [380, 330]]},
    {"do": "wait_picture", "settled": true, "timeout_s": 300},
    {"do": "wait_frames", "frames": 2},
    {"do": "screenshot", "path": "window.png"},
    {"do": "quit"}]})";
  const std::filesystem::path layout =
      std::filesystem::path(PALETTE_SOURCE_DIR) / "assets/examples/landscape.layout.json";
  const AppRun r = run_app(dir, "--device cpu --script stroke.json " + quote(layout.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(std::filesystem::exists(dir / "window.png")) << r.output;
  keep(dir, "window.png", "app_builtin_stroke.png");
  // One figure per wait: the first picture, then the stroke, settled.
  const std::string tag = "semantic-palette: stroke to picture: ";
  const size_t last = r.output.rfind(tag);
  ASSERT_NE(last, std::string::npos) << r.output;
  ASSERT_NE(r.output.find(tag), last) << "a figure for each wait_picture\n" << r.output;
  const std::string figure = r.output.substr(last, r.output.find('\n', last) - last);
  std::printf("%s\n", figure.c_str());
  EXPECT_EQ(figure.find(" -"), std::string::npos) << "both latencies measured after a settled frame: " << figure;
}

// On a CPU the live picture settles the fast way (regional attention at 256²); once painting pauses it is
// refined with the layout's own sampling at the same size, and a picture check still judges the stream's own
// settled frame (a refined picture is not a stream frame). The village example: houses, a road and trees.
TEST(AppE2E, TheLivePictureIsRefinedOnceThePaintingPauses) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "pause.json") << R"({"actions": [
    {"do": "wait_picture", "settled": true, "timeout_s": 300},
    {"do": "stroke", "brush": 6, "size": 40, "points": [[300, 330], [340, 335], [380, 330]]},
    {"do": "wait_picture", "settled": true, "timeout_s": 300},
    {"do": "wait_seconds", "seconds": 30},
    {"do": "screenshot", "path": "window.png"},
    {"do": "check_picture", "max_mean": 0.5, "timeout_s": 300},
    {"do": "quit"}]})";
  const std::filesystem::path layout =
      std::filesystem::path(PALETTE_SOURCE_DIR) / "assets/examples/village.layout.json";
  const AppRun r = run_app(dir, "--device cpu --script pause.json " + quote(layout.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  keep(dir, "window.png", "app_builtin_refined.png");
  const std::string tag = "semantic-palette: refined the live picture (256x256) in ";
  const size_t at = r.output.find(tag);
  ASSERT_NE(at, std::string::npos) << "no refined picture after the pause\n" << r.output;
  std::printf("%s\n", r.output.substr(at, r.output.find('\n', at) - at).c_str());
  EXPECT_EQ(r.output.find(tag, at + 1), std::string::npos) << "one edit, one refined picture\n" << r.output;
  EXPECT_NE(r.output.find("picture check: mean difference"), std::string::npos) << r.output;
}

// The app shares its cores between the UI, OpenGL and the engine, so the OpenMP runtime's idle threads must
// sleep, which GNU libgomp reads only when it loads: the app sets OMP_WAIT_POLICY=PASSIVE and executes itself
// again, unless the user has set the variable. OMP_DISPLAY_ENV makes the runtime say what it read.
TEST(AppE2E, IdleOpenMpThreadsSleepUnlessTheUserSaysOtherwise) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "quit.json") << R"({"actions": [{"do": "wait_frames", "frames": 2}, {"do": "quit"}]})";
  const AppRun unset = run_app(dir, "--no-model --script quit.json", "env -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=TRUE ");
  ASSERT_EQ(unset.status, 0) << unset.output;
  EXPECT_NE(unset.output.find("semantic-palette: idle OpenMP threads wait PASSIVE\n"), std::string::npos) << unset.output;
  EXPECT_NE(unset.output.find("OMP_WAIT_POLICY = 'PASSIVE'"), std::string::npos) << "the runtime read it\n"
                                                                                  << unset.output;
  const AppRun chosen = run_app(dir, "--no-model --script quit.json", "OMP_WAIT_POLICY=ACTIVE OMP_DISPLAY_ENV=TRUE ");
  ASSERT_EQ(chosen.status, 0) << chosen.output;
  EXPECT_NE(chosen.output.find("semantic-palette: idle OpenMP threads wait ACTIVE\n"), std::string::npos) << chosen.output;
  EXPECT_EQ(chosen.output.find("OMP_WAIT_POLICY = 'PASSIVE'"), std::string::npos) << chosen.output;
}

std::vector<std::filesystem::path> recovery_files(const test::TempDir& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir / "config/semantic-palette/recovery", ec))
    if (e.path().filename().string().rfind("session-", 0) == 0) files.push_back(e.path());
  return files;
}

// Issue 21: a crash loses nothing that was painted a (test-sized) minute before it.
TEST(AppE2E, AKilledSessionIsRestoredFromItsAutosave) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "crash.json") << R"({"actions": [
    {"do": "set_tool", "tool": "brush", "size": 20, "hardness": 1},
    {"do": "stroke", "brush": 1, "points": [[10, 12], [60, 14], [118, 12]]},
    {"do": "save", "path": "user.json"},
    {"do": "stroke", "brush": 1, "points": [[20, 100], [100, 100]]},
    {"do": "add_brush", "name": "house", "color": "#e0a020", "prompt": "house"},
    {"do": "stroke", "brush": 2, "size": 30, "points": [[64, 64]]},
    {"do": "wait_autosave", "timeout_s": 60},
    {"do": "kill"}]})";
  const AppRun crash = run_app(dir, "--no-model --size 128x128 --autosave-seconds 1 --script crash.json");
  ASSERT_EQ(crash.status, 128 + 9) << "killed by SIGKILL\n" << crash.output;
  // The user's file is as they saved it: the autosave went beside the config.
  const LoadedDocument user = load_document(dir / "user.json");
  ASSERT_EQ(user.document.layers().size(), 1u);
  EXPECT_EQ(user.document.layers()[0].mask.at(60, 100), 0);
  ASSERT_EQ(recovery_files(dir).size(), 1u) << crash.output;

  std::ofstream(dir / "restore.json") << R"({"actions": [
    {"do": "wait_frames", "frames": 3},
    {"do": "screenshot", "path": "restore.png"},
    {"do": "answer", "choice": "restore"},
    {"do": "key", "keys": "Ctrl+S"},
    {"do": "quit"}]})";
  const AppRun restore = run_app(dir, "--no-model --script restore.json");
  ASSERT_EQ(restore.status, 0) << restore.output;
  keep(dir, "restore.png", "app_recovery_prompt.png");
  // Restored as the user's document, so Ctrl+S wrote every stroke back to their file.
  const LoadedDocument saved = load_document(dir / "user.json");
  EXPECT_EQ(saved.kind, DocumentKind::Layout);
  ASSERT_EQ(saved.document.layers().size(), 2u);
  EXPECT_EQ(saved.document.layers()[0].mask.at(60, 14), 255);   // saved before the crash
  EXPECT_EQ(saved.document.layers()[0].mask.at(60, 100), 255);  // painted after the save: recovered
  EXPECT_EQ(saved.document.layers()[1].mask.at(64, 64), 255);
  EXPECT_EQ(saved.document.layers()[1].properties.name, "house");
  EXPECT_FALSE(saved.document.content().extras.top.contains("semantic_palette_recovered_from"));
  EXPECT_TRUE(recovery_files(dir).empty()) << "a save and a clean quit leave no recovery file";

  // Nothing is offered after a clean quit.
  std::ofstream(dir / "again.json") << R"({"actions": [{"do": "answer", "choice": "restore"}, {"do": "quit"}]})";
  const AppRun again = run_app(dir, "--no-model --script again.json");
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_NE(again.output.find("no prompt is open"), std::string::npos) << again.output;
}

// Issue 21: "Save palette as" writes a copy, and the unsaved-changes prompt saves before it goes on.
TEST(AppE2E, UnsavedChangesPromptSavesThenGoesOn) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "session.json") << R"({"prompts": true, "actions": [
    {"do": "set_tool", "tool": "brush", "size": 20, "hardness": 1},
    {"do": "stroke", "brush": 1, "points": [[10, 12], [118, 12]]},
    {"do": "save", "path": "a.json"},
    {"do": "stroke", "brush": 1, "points": [[10, 100], [118, 100]]},
    {"do": "key", "keys": "Ctrl+Shift+P"},
    {"do": "choose_file", "path": "a.palette.json"},
    {"do": "key", "keys": "Ctrl+N"},
    {"do": "wait_frames", "frames": 3},
    {"do": "screenshot", "path": "unsaved.png"},
    {"do": "answer", "choice": "save"},
    {"do": "answer", "choice": "create", "canvas": "1024x576"},
    {"do": "stroke", "brush": 1, "points": [[10, 10], [50, 50]]},
    {"do": "key", "keys": "Ctrl+Q"},
    {"do": "answer", "choice": "save"},
    {"do": "choose_file", "path": "untitled.json"},
    {"do": "wait_frames", "frames": 30},
    {"do": "kill"}]})";
  const AppRun r = run_app(dir, "--no-model --size 128x128 --script session.json");
  ASSERT_EQ(r.status, 0) << "the prompt's Save then quits, before the script's kill\n" << r.output;
  keep(dir, "unsaved.png", "app_unsaved_prompt.png");
  EXPECT_EQ(load_document(dir / "a.palette.json").kind, DocumentKind::Palette);
  // The copy did not take the layout's place: Save in the prompt wrote the layout, both strokes.
  const LoadedDocument a = load_document(dir / "a.json");
  EXPECT_EQ(a.kind, DocumentKind::Layout);
  EXPECT_EQ(a.document.layers()[0].mask.at(60, 12), 255);
  EXPECT_EQ(a.document.layers()[0].mask.at(60, 100), 255);
  // The new document (New dialog, 16:9) had no file: Save asked for one, then the app quit.
  const LoadedDocument u = load_document(dir / "untitled.json");
  EXPECT_EQ(u.document.width(), 1024);
  EXPECT_EQ(u.document.height(), 576);
  EXPECT_EQ(u.document.layers()[0].mask.at(30, 30), 255);
}

// Part 4 of issue 21, for a person to look at: build/test-output/app_help.png and app_new_dialog.png.
TEST(AppE2E, HelpWindowAndNewDialog) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  std::ofstream(dir / "help.json") << R"({"actions": [
    {"do": "key", "keys": "F1"},
    {"do": "wait_frames", "frames": 3},
    {"do": "screenshot", "path": "help.png"},
    {"do": "key", "keys": "F1"},
    {"do": "key", "keys": "Ctrl+N"},
    {"do": "wait_frames", "frames": 3},
    {"do": "screenshot", "path": "new.png"},
    {"do": "answer", "choice": "create", "canvas": "576x1024"},
    {"do": "save", "path": "portrait.json"},
    {"do": "quit"}]})";
  const AppRun r = run_app(dir, "--no-model --size 128x128 --script help.json");
  ASSERT_EQ(r.status, 0) << r.output;
  keep(dir, "help.png", "app_help.png");
  keep(dir, "new.png", "app_new_dialog.png");
  EXPECT_EQ(read_image(dir / "help.png").width, 1280);
  const LoadedDocument p = load_document(dir / "portrait.json");
  EXPECT_EQ(p.document.width(), 576);
  EXPECT_EQ(p.document.height(), 1024);
}

TEST(AppE2E, BadFilesAndModelsDoNotCrash) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  test::write_raw(dir / "broken.json", "{\"format\": \"semantic-palette\", \"version\": 1, \"kind\": ");
  std::ofstream(dir / "session.json") << R"({"actions": [{"do": "wait_frames", "frames": 3},
      {"do": "screenshot", "path": "window.png"}, {"do": "quit"}]})";
  const AppRun r = run_app(dir, "--model /nonexistent/model --script session.json broken.json");
  EXPECT_EQ(r.status, 0) << r.output;  // the errors are shown in the window, the session goes on
  EXPECT_NE(r.output.find("broken.json"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "window.png"));

  // A script that needs a picture without a model fails with a message, not a hang or a crash.
  std::ofstream(dir / "wait.json")
      << R"({"actions": [{"do": "wait_picture", "timeout_s": 5}, {"do": "quit"}]})";
  const AppRun w = run_app(dir, "--no-model --script wait.json");
  EXPECT_EQ(w.status, 1) << w.output;
  EXPECT_NE(w.output.find("no model"), std::string::npos) << w.output;

  // A file that is no picture, dropped as a background image: named, and no crash.
  std::ofstream(dir / "drop.json")
      << R"({"actions": [{"do": "drop", "path": "not-a-picture.png"}, {"do": "quit"}]})";
  test::write_raw(dir / "not-a-picture.png", "this is text");
  const AppRun d = run_app(dir, "--no-model --script drop.json");
  EXPECT_EQ(d.status, 1) << d.output;
  EXPECT_NE(d.output.find("not-a-picture.png': not a readable image"), std::string::npos) << d.output;
}

// --offscreen: the same session without any display (no X server, DISPLAY unset), drawn on Mesa's
// software EGL device here and on the GPU on the GPU machine (scripts/gpu/app-session.sh).
TEST(AppE2E, OffscreenSessionNeedsNoDisplay) {
  ASSERT_TRUE(std::filesystem::is_directory(test::fixtures_dir() / "tiny-sd15"));
  test::TempDir dir;
  std::ofstream(dir / "session.json") << R"({"actions": [
      {"do": "stroke", "brush": 1, "size": 30, "points": [[10, 12], [60, 14], [118, 40]]},
      {"do": "wait_picture", "timeout_s": 300},
      {"do": "check_picture", "max_mean": 0.5, "timeout_s": 300, "full_size": true},
      {"do": "screenshot", "path": "window.png"},
      {"do": "quit"}]})";
  const OffscreenRun session = offscreen_session(dir, "tiny-sd15");
  const AppRun& r = session.app;
  if (session.no_egl) GTEST_SKIP() << kNoEgl << r.output;
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("offscreen 1280x800"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("picture check: mean difference"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("live picture 128x128 of a 128x128 canvas"), std::string::npos) << r.output;
  ASSERT_TRUE(std::filesystem::exists(dir / "window.png")) << r.output;
  keep(dir, "window.png", "app_offscreen.png");
  const Image shot = read_image(dir / "window.png");
  ASSERT_EQ(shot.width, 1280);
  ASSERT_EQ(shot.height, 800);
  // The panels were drawn: the frame holds many colours, not one cleared background.
  std::set<uint32_t> colours;
  for (size_t i = 0; i + 2 < shot.pixels.size(); i += shot.channels)
    colours.insert(shot.pixels[i] << 16 | shot.pixels[i + 1] << 8 | shot.pixels[i + 2]);
  EXPECT_GT(colours.size(), 50u);

  // At 512² a CPU paints the live picture at 256²: a check that asks for the full size fails and says why.
  const OffscreenRun halved = offscreen_session(dir, "tiny-sd15", "--size 512x512");
  EXPECT_EQ(halved.app.status, 1) << halved.app.output;
  EXPECT_NE(halved.app.output.find("the live picture runs at 256x256, smaller than the 512x512 canvas"),
            std::string::npos)
      << halved.app.output;

  // A script that ends without "quit" ends the session (nobody could close the window).
  std::ofstream(dir / "short.json") << R"({"actions": [{"do": "wait_frames", "frames": 2}]})";
  const AppRun short_run = run(offscreen_command(dir, "--no-model --script short.json"));
  EXPECT_EQ(short_run.status, 0) << short_run.output;
  EXPECT_NE(short_run.output.find("the script ended without \"quit\""), std::string::npos) << short_run.output;

  // Without a script there is no one to paint: refused by name.
  const AppRun bare = run(offscreen_command(dir, "--no-model"));
  EXPECT_EQ(bare.status, 2) << bare.output;
  EXPECT_NE(bare.output.find("--offscreen needs --script"), std::string::npos) << bare.output;
}

// An SDXL model streams as the others do (on a CPU in the regional-attention mode, Euler on its stream
// schedule) and its settled picture is a fresh engine's render of the same layout.
TEST(AppE2E, SdxlModelStreamsAndSettlesToTheRender) {
  ASSERT_TRUE(std::filesystem::is_directory(test::fixtures_dir() / "tiny-sdxl"));
  test::TempDir dir;
  std::ofstream(dir / "session.json") << R"({"actions": [
      {"do": "stroke", "brush": 1, "size": 30, "points": [[10, 12], [60, 14], [118, 40]]},
      {"do": "wait_picture", "settled": true, "timeout_s": 300},
      {"do": "check_picture", "max_mean": 0.5, "timeout_s": 300},
      {"do": "save", "path": "painted.json"},
      {"do": "quit"}]})";
  const OffscreenRun session = offscreen_session(dir, "tiny-sdxl");
  const AppRun& r = session.app;
  if (session.no_egl) GTEST_SKIP() << kNoEgl << r.output;
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("generation:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("picture check: mean difference"), std::string::npos) << r.output;
  EXPECT_EQ(load_document(dir / "painted.json").document.width(), 128);  // --size was given: it stays
}

// Started without a file or --size, the untouched new canvas takes the model's own size once the model has
// loaded: 1024² for SDXL (which paints poorly at 512²).
TEST(AppE2E, NewCanvasTakesTheSdxlModelsOwnSize) {
  ASSERT_TRUE(std::filesystem::is_directory(test::fixtures_dir() / "tiny-sdxl"));
  test::TempDir dir;
  std::ofstream(dir / "session.json") << R"({"actions": [
      {"do": "wait_picture", "timeout_s": 300},
      {"do": "save", "path": "new.json"},
      {"do": "quit"}]})";
  const OffscreenRun session = offscreen_session(dir, "tiny-sdxl", "");
  const AppRun& r = session.app;
  if (session.no_egl) GTEST_SKIP() << kNoEgl << r.output;
  ASSERT_EQ(r.status, 0) << r.output;
  const Document doc = load_document(dir / "new.json").document;
  EXPECT_EQ(doc.width(), 1024);
  EXPECT_EQ(doc.height(), 1024);
}

// A picture exported from a layout, dropped on the window, opens as that layout (untitled, so a save
// asks where); a PNG without a layout, opened, is named and the document stays as it was.
TEST(AppE2E, APictureReopensAsItsLayout) {
  if (!have_xvfb())
    GTEST_SKIP() << "xvfb-run is not installed (apt-get install xvfb xauth): the app needs a display";
  test::TempDir dir;
  Document doc(64, 64);
  LayerProperties sky;
  sky.name = "sky";
  sky.color = *parse_color("#4080ff");
  sky.prompt = "a clear sky";
  doc.set_mask_from_image(doc.add_layer(sky), Image{64, 64, 1, std::vector<uint8_t>(64 * 64, 255)});
  const Image pixels{64, 64, 3, std::vector<uint8_t>(64 * 64 * 3, 120)};
  export_png(dir / "picture.png", pixels, doc.content(), {.seed = 5});
  write_png(dir / "photo.png", pixels);

  std::ofstream(dir / "drop.json") << R"({"actions": [{"do": "drop", "path": "picture.png"},
      {"do": "save", "path": "back.json"}, {"do": "quit"}]})";
  const AppRun dropped = run_app(dir, "--no-model --script drop.json");
  ASSERT_EQ(dropped.status, 0) << dropped.output;
  const DocumentContent back = load_document(dir / "back.json").document.content();
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].properties.prompt, "a clear sky");
  EXPECT_EQ(back.layers[0].mask.at(10, 10), 255);
  EXPECT_EQ(back.settings.seed, std::optional<uint64_t>(5));

  std::ofstream(dir / "open.json") << R"({"actions": [{"do": "open", "path": "photo.png"}, {"do": "quit"}]})";
  const AppRun opened = run_app(dir, "--no-model --script open.json");
  EXPECT_EQ(opened.status, 1) << opened.output;
  EXPECT_NE(opened.output.find("photo.png' carries no Semantic Palette layout (no 'semantic-palette' chunk)"),
            std::string::npos)
      << opened.output;
}

}  // namespace
}  // namespace palette::app
