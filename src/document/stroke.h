// A brush stroke in progress: the open undo step that end_stroke closes.
#pragma once

#include <cstdint>

#include "document/tile_recorder.h"
#include "palette/document.h"

namespace palette {

struct Document::Stroke {
  LayerId layer = 0;
  Brush brush;
  document::TileRecorder recorder;
  bool has_point = false;  // false until the first stroke_to
  double x = 0, y = 0;     // the last point
  uint64_t revision_before = 0;
};

}  // namespace palette
