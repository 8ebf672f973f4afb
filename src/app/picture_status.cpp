#include "app/picture_status.h"

namespace palette::app {

std::string picture_status(const PictureState& s) {
  if (s.loading) return "loading the model...";
  if (!s.streaming) return "";
  const bool current = s.has_frame && s.frame_version >= s.document_version && s.frame_settled;
  if (current) return "";
  if (s.paused) return "paused: out of date";
  if (!s.has_frame) return "making the first picture...";
  if (s.frame_steps_total <= 0) return "updating...";
  const int done = s.frame_version >= s.document_version ? s.frame_steps_done : 0;
  return "updating... step " + std::to_string(done) + " of " + std::to_string(s.frame_steps_total);
}

}  // namespace palette::app
