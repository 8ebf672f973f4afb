// The edits of a script's random_edits (session_script.h): one concrete action at a time, drawn from a
// 64-bit state the caller keeps, so a seed replays the same session.
// Thread safety: pure function of its arguments (it advances `state`).
#pragma once

#include <cstdint>

#include "app/session_script.h"

namespace palette::app {

struct RandomEdit {
  // Stroke, SetPrompt, Undo, Redo, AddBrush, RemoveBrush, SetSettings, or WaitFrames (a pause, nothing to do)
  ScriptAction action;
  int pause_frames = 0;  // frames to let pass before the next edit
};

// An edit of a document of `brushes` brushes on a `canvas`-sized canvas: strokes with brushes 1..brushes
// (none without brushes: one is added first), brushes added while fewer than 8 and removed while more than 2.
RandomEdit random_edit(uint64_t& state, Vec2 canvas, int brushes);

// The generator's starting state for a seed. Hashed, not scaled: the generator steps its state by a fixed
// constant, so states that are multiples of that constant (seed × constant) would replay one sequence
// shifted by a draw per seed.
uint64_t random_edit_state(uint64_t seed);

}  // namespace palette::app
