// Captions of the procedural world in an artist's words: each class named by one of many phrasings
// (the class name itself, synonyms, adjectives, colours, singular and plural), scenes described in several
// sentence forms and word orders, and the boilerplate people add to prompts ("highly detailed", "8k"),
// which carries no content and which the model learns to ignore. The plain captions (world_compose.h)
// stay what the evaluation and the tests read; these are what the model trains on.
// Thread safety: pure functions of their arguments; the word lists are immutable.
#pragma once

#include <array>
#include <set>
#include <string>
#include <vector>

#include "training/world_compose.h"

namespace palette::training {

// The phrasings the training captions use for class `c`: the first is world_class_name(c). `plural`
// selects the forms for several objects (houses, trees; other classes have one list).
const std::vector<std::string>& class_phrasings(WorldClass c, bool plural = false);

// Prompt boilerplate the training captions append ("highly detailed", "8k", "masterpiece", …).
const std::vector<std::string>& caption_boilerplate();

// A varied caption for a single-class close-up of `c`.
std::string varied_crop_caption(WorldClass c, WorldRng& rng);

// A varied caption naming every class with pixels in `counts`.
std::string varied_scene_caption(const std::array<int64_t, kWorldClassCount>& counts, const SceneObjects& objects,
                                 WorldRng& rng);

// The lower-case words of `text`, split at spaces, commas and colons (hyphens stay inside words).
std::vector<std::string> caption_words(const std::string& text);

// Every lower-case word (split at spaces, commas and hyphens kept inside words) any training caption can
// contain: a prompt with a word outside this set was never a training caption.
const std::set<std::string>& caption_lexicon();

}  // namespace palette::training
