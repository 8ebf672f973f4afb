#include "app/random_edit.h"

#include <algorithm>
#include <array>
#include <string>

#include "app/live_mode.h"

namespace palette::app {

namespace {

// splitmix64: tiny, good enough for choosing edits, the same on every platform.
uint64_t next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
double uniform(uint64_t& state) { return static_cast<double>(next(state) >> 11) * (1.0 / 9007199254740992.0); }
int below(uint64_t& state, int n) { return static_cast<int>(next(state) % static_cast<uint64_t>(n)); }

// Prompts of the kind people type, some in the built-in model's words, some not.
constexpr std::array<const char*, 12> kPrompts = {
    "a red house", "pine forest", "stormy sea", "snow-capped mountains", "a calm lake", "golden hour sky",
    "a dirt road", "sand dunes", "an old oak tree", "full moon", "a meadow with wild flowers", "rocks"};

}  // namespace

uint64_t random_edit_state(uint64_t seed) { return next(seed); }

RandomEdit random_edit(uint64_t& state, Vec2 canvas, int brushes) {
  RandomEdit e;
  e.pause_frames = below(state, 4);
  if (brushes == 0) {
    e.action = script::AddBrush{"", "", kPrompts[static_cast<size_t>(below(state, kPrompts.size()))]};
    return e;
  }
  const int brush = 1 + below(state, brushes);
  const double r = uniform(state);
  if (r < 0.45) {
    script::Stroke stroke;
    stroke.brush = brush;
    stroke.size = 10 + below(state, 70);
    stroke.tool = uniform(state) < 0.15 ? "eraser" : "brush";
    Vec2 p{uniform(state) * canvas.x, uniform(state) * canvas.y};
    for (int i = 0, n = 2 + below(state, 6); i < n; ++i) {
      stroke.points.push_back(p);
      p.x = std::clamp(p.x + (uniform(state) - 0.5) * canvas.x * 0.3, 0.0, canvas.x - 1);
      p.y = std::clamp(p.y + (uniform(state) - 0.5) * canvas.y * 0.3, 0.0, canvas.y - 1);
    }
    e.action = stroke;
  } else if (r < 0.6) {
    e.action = script::SetPrompt{brush, kPrompts[static_cast<size_t>(below(state, kPrompts.size()))], false};
  } else if (r < 0.7) {
    e.action = script::Undo{};
  } else if (r < 0.77) {
    e.action = script::Redo{};
  } else if (r < 0.84 && brushes < 8) {
    e.action = script::AddBrush{"", "", kPrompts[static_cast<size_t>(below(state, kPrompts.size()))]};
  } else if (r < 0.9 && brushes > 2) {
    e.action = script::RemoveBrush{brush};
  } else if (r < 0.904) {  // rare: every switch restarts the stream from noise, as a user does now and then
    script::SetSettings settings;
    settings.live_mode = uniform(state) < 0.5 ? LiveMode::MultiDiffusion : LiveMode::RegionalAttention;
    e.action = settings;
  } else {
    const int frames = 10 + below(state, 30);
    e.action = script::WaitFrames{frames};
    e.pause_frames = frames;
  }
  return e;
}

}  // namespace palette::app
