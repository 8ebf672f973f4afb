#include "app/picture_status.h"

namespace palette::app {

std::string picture_status(const PictureState& s) {
  if (s.loading) return "loading the model...";
  if (!s.streaming) return "";
  const bool current = s.has_frame && s.frame_version >= s.document_version && s.frame_settled;
  if (current) return "";
  if (s.paused) return "paused: out of date";
  return s.has_frame ? "updating..." : "making the first picture...";
}

}  // namespace palette::app
