// Flood fill: the 4-connected region around a seed pixel, then every pixel of it set to one value.
#pragma once

#include <vector>

#include "document/tile_recorder.h"
#include "palette/document.h"

namespace palette::document {

// Fills the region of (x, y) in `layers[target].mask`, writing through `recorder`. The region test is
// options.region's (palette/document.h): LayerMask compares coverage of the target layer with the
// seed's; Canvas compares which layer shows at a pixel (topmost enabled with coverage ≥ 128, else the
// background). The test reads the masks as they were before the fill. Returns whether any pixel
// changed; false for a seed outside the canvas.
bool flood_fill(std::vector<Layer>& layers, size_t target, int x, int y, const FillOptions& options,
                TileRecorder& recorder);

}  // namespace palette::document
