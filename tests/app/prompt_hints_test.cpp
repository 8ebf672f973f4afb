// The Help window's prompt words must be the built-in model's own: every hint is checked against the
// trainer's class names and phrasings (the app itself does not link the trainer).
#include "app/prompt_hints.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "palette/world.h"
#include "training/world_captions.h"

namespace palette::app {
namespace {

TEST(PromptHints, AreTheBuiltInModelsClassesAndPhrasings) {
  const auto& hints = builtin_prompt_hints();
  ASSERT_EQ(hints.size(), static_cast<size_t>(kWorldClassCount));
  for (int c = 0; c < kWorldClassCount; ++c) {
    const auto cls = static_cast<WorldClass>(c);
    EXPECT_EQ(hints[c].name, world_class_name(cls));
    EXPECT_FALSE(hints[c].also.empty()) << hints[c].name;
    for (const std::string& also : hints[c].also) {
      const auto& singular = training::class_phrasings(cls, false);
      const auto& plural = training::class_phrasings(cls, true);
      const bool trained =
          std::count(singular.begin(), singular.end(), also) + std::count(plural.begin(), plural.end(), also);
      EXPECT_TRUE(trained) << "'" << also << "' is not a phrasing the model was trained with for "
                           << hints[c].name;
    }
  }
}

}  // namespace
}  // namespace palette::app
