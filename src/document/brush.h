// The round brush: coverage as a function of the distance to the stroke's path.
//
// A stroke is the union of round dabs swept continuously along its segments. Dabs combine with the
// mask by maximum (painting) or minimum (erasing) rather than by "over" blending, so overlapping
// dabs never build up: a stroke's soft edge looks the same however finely the pointer was sampled,
// and the sweep can be drawn exactly as the brush profile of each pixel's distance to the segment.
#pragma once

#include <cstdint>

#include "document/tile_recorder.h"
#include "palette/document.h"

namespace palette::document {

// Brush profile at `distance` pixels from the dab's centre, in [0, 1]. With R = diameter / 2 and a
// soft band of width w = clamp(R · (1 − hardness), min(1, R), R): 1 within R − w, 0 from R on, and
// smoothstep((R − distance) / w) between; the 1-pixel minimum band anti-aliases hard brushes.
double brush_profile(const Brush& brush, double distance);

// Throws palette::Error naming the member for a diameter outside [1, 4096] or hardness/opacity
// outside [0, 1].
void validate_brush(const Brush& brush);

// Paints the sweep of `brush` from (x0, y0) to (x1, y1) (a single dab when equal) into `mask`,
// writing through `recorder`. Pixel (x, y) is sampled at its centre (x + 0.5, y + 0.5) and receives
// v = round(255 · opacity · profile): painting raises it to v, erasing lowers it to 255 − v.
// Returns whether any pixel changed.
bool paint_segment(Mask& mask, TileRecorder& recorder, const Brush& brush, double x0, double y0, double x1,
                   double y1);

}  // namespace palette::document
