// What the live picture says about itself: nothing when it shows the newest edit fully, otherwise one
// short mark ("updating...") so a picture that is out of date or still settling never passes for final.
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

namespace palette::app {

struct PictureState {
  bool loading = false;     // a model is being loaded
  bool streaming = false;   // a model is loaded and the live stream runs
  bool paused = false;      // live generation paused by the user (or for an export)
  bool has_frame = false;   // a frame has been shown
  uint64_t frame_version = 0;  // the document version the shown frame was made with
  bool frame_settled = false;  // the shown frame shows its version fully
  int frame_steps_done = 0;    // of frame_steps_total: how far the shown frame's edit has got
  int frame_steps_total = 0;
  uint64_t document_version = 0;
};

// "" for an up-to-date settled picture (or no model at all); else "loading the model...", "making the first
// picture...", "updating... step K of T" (K counts the steps the newest edit has had; 0 until a frame of it
// arrives) or "paused: out of date".
std::string picture_status(const PictureState& s);

}  // namespace palette::app
