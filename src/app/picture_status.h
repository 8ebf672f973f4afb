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
  uint64_t document_version = 0;
};

// "" for an up-to-date settled picture (or no model at all); else "loading the model...", "making the first
// picture...", "updating..." or "paused: out of date".
std::string picture_status(const PictureState& s);

}  // namespace palette::app
