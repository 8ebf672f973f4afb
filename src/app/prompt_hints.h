// Prompt hints for the built-in default model, shown in the Help window: the sixteen things its world
// holds (the class names its layers are prompted with) and a few of the other words its training
// captions use for each.
//
// Why a list here: the model folder ships no vocabulary of its own, and the phrasings live in the
// trainer (src/training/world_captions.cpp), a library the app must not link (it carries LibTorch's
// autograd trainer and the procedural world for sixteen strings). A unit test checks every hint
// against the trainer's class names and phrasings, so the list cannot drift from what the model
// was trained on.
//
//   for (const PromptHint& h : builtin_prompt_hints()) show(h.name, h.also);
//
// Thread safety: an immutable table.
#pragma once

#include <string>
#include <vector>

namespace palette::app {

struct PromptHint {
  std::string name;               // the class name, as palette::world_class_name writes it ("clear sky")
  std::vector<std::string> also;  // other phrasings the model was trained with ("blue sky", …)
};

const std::vector<PromptHint>& builtin_prompt_hints();  // in palette::WorldClass order

}  // namespace palette::app
