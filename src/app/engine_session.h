// Everything the app does with the engine, behind a header without LibTorch: loading a model in the
// background, the live stream that follows the document, and the full-quality PNG export. Only
// engine_session.cpp includes torch, so the rest of the app compiles quickly.
//
//   EngineSession engine;
//   engine.load_model("models/sd-turbo", "");       // returns at once; poll() finishes it
//   every UI frame:
//     engine.poll();
//     if (document changed) engine.publish(*doc.snapshot());
//     if (auto f = engine.take_frame()) upload(f->image);
//
// Failures never throw out of these functions (except where noted): they become error() /
// export_message() / notice() text for the window. Out of GPU memory while loading falls back to the
// CPU; while streaming, to half the picture size; each fallback is said in notice().
// Thread safety: every member is called from the UI thread; the work runs on threads of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string>

#include "app/live_mode.h"
#include "palette/document_data.h"
#include "palette/image.h"

namespace palette::app {

enum class ModelState { None, Loading, Ready, Failed };
enum class ExportState { Idle, Running, Done, Failed };

struct LiveFrame {
  Image image;           // RGBA8 (RGB8 when refined), the stream's size (smaller than the canvas after a fallback)
  uint64_t version = 0;  // the document version it was made with
  uint64_t index = 0;
  bool settled = false;  // the edit shows fully
  int steps_done = 0;    // of steps_total: how far the edit has got towards settled
  int steps_total = 0;
  double engine_ms = 0;  // the engine's time for this frame
  uint64_t stream = 0;   // which of the session's streams made it (EngineSession::stream_serial)
  // On a CPU, once painting has paused, the settled picture again with the layout's own sampling at the same
  // size (EngineSession::poll): not a stream frame, so picture checks and settle times leave it out.
  bool refined = false;
};

// A live picture against a fresh render of the same snapshot (EngineSession::start_check).
struct PictureCheck {
  double mean_difference = 0;  // mean absolute difference per channel, of 255
  int max_difference = 0;
  std::string error;           // the render failed or the sizes differ; the differences mean nothing then
  int live_width = 0, live_height = 0;      // the checked picture's size
  int canvas_width = 0, canvas_height = 0;  // its document's canvas when the check started
};

// The built-in default model's folder: what the app runs when neither --model nor the layout names one.
std::string builtin_model_path();

class EngineSession {
 public:
  EngineSession();
  ~EngineSession();  // stops the stream and waits for a load or export in progress
  EngineSession(const EngineSession&) = delete;
  EngineSession& operator=(const EngineSession&) = delete;

  // Starts loading in the background (a previous model stays in use until the new one is ready).
  // `device`: "", "cpu", "cuda", "cuda:N" ("" = CUDA when available).
  void load_model(const std::string& path, const std::string& device);
  ModelState model_state() const { return state_; }
  const std::string& model_path() const { return path_; }  // the loaded (or loading) model
  // The model frames and exports are made with: the newest load that succeeded ("" before one has).
  // Unlike model_path() it stays the old model while a new one loads or after a new one failed.
  const std::string& model_in_use() const { return in_use_; }
  std::string model_description() const;                   // "tiny-sd15 on cpu (Float)"
  int native_side() const;     // the loaded model's own picture side (1024 for SDXL, else 512); 0 without one
  bool model_is_sdxl() const;  // SDXL streams with Euler on the authors' schedule, whatever the sampler setting
  double loading_seconds() const;                          // time since load_model, while Loading
  const std::string& error() const { return error_; }      // the newest failure; "" when none
  const std::string& notice() const { return notice_; }    // fallbacks taken ("" when none)

  // Finishes a load, creates or rebuilds the stream, checks for stream failures; on a CPU, refines the settled
  // live picture once nothing has changed for a moment (LiveFrame::refined; an edit or export cancels it).
  // Call every frame.
  void poll();

  // Hands the document's newest state to the stream (or keeps it for when a model arrives).
  void publish(std::shared_ptr<const Snapshot> snapshot);
  std::optional<LiveFrame> take_frame();  // the newest frame not taken yet
  bool streaming() const;                 // a model is loaded and the stream runs
  // Counts the streams made: a new mode, settings, size fallback or model makes a new one, whose frames carry
  // the new count (LiveFrame::stream); an older stream's picture is not the current settings' picture.
  uint64_t stream_serial() const;
  // The live picture's width and height where they are smaller than the canvas (a CPU's or GPU's cap on the
  // live side, or an out-of-memory fallback), else nullopt. Exports render the whole canvas either way.
  std::optional<std::pair<int, int>> reduced_live_size() const;
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  // The stream's mode; a change of the mode it runs in rebuilds the stream on the next poll (the document is
  // kept; the new stream starts from pure noise, so its first picture takes all its steps).
  void set_live_mode(LiveMode mode);
  LiveMode live_mode() const { return live_mode_; }
  // Whether the live stream replays CUDA graphs on a GPU (the default); off, every frame launches its
  // kernels itself. Takes effect when the next stream is built (call before load_model).
  void set_cuda_graphs(bool on) { cuda_graphs_ = on; }

  // Renders `snapshot` with the full VAE in the background and writes it to `path` with its infotext
  // and its layout (palette::export_png), so it reopens. Throws palette::Error when no model is loaded
  // or an export is running.
  void start_export(std::shared_ptr<const Snapshot> snapshot, const std::string& path);
  ExportState export_state();     // Done / Failed stay until the next export
  float export_progress() const;  // [0, 1]
  const std::string& export_message() const { return export_message_; }  // the file, or the error
  double export_seconds() const { return export_seconds_; }  // the last finished export's wall time
  void cancel_export();

  // Renders the snapshot `frame` was made with on a fresh engine (same settings, no CUDA graphs) in the
  // background and compares the pictures: the stream, after whatever edits led there, must show what a
  // one-shot render of the same layout shows. `frame` must be the settled picture of the newest snapshot;
  // throws palette::Error otherwise or while a check runs. check_result() is empty until it is done.
  void start_check(const LiveFrame& frame);
  bool checking() const;  // started, its result not taken yet
  std::optional<PictureCheck> check_result();

 private:
  struct Impl;  // the torch side
  // `from_generation`: the stream or its settings failed, so a stream built later clears the error.
  void set_error(std::string message, bool from_generation);

  std::unique_ptr<Impl> impl_;
  ModelState state_ = ModelState::None;
  std::string path_, in_use_, error_, notice_, export_message_;
  bool generation_failed_ = false;  // error_ is the stream's (see set_error)
  double export_seconds_ = 0;
  bool paused_ = false;
  LiveMode live_mode_ = LiveMode::Auto;
  bool cuda_graphs_ = true;
};

}  // namespace palette::app
