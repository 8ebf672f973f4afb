#include "app/prompt_hints.h"

namespace palette::app {

const std::vector<PromptHint>& builtin_prompt_hints() {
  static const std::vector<PromptHint> hints = {
      {"clear sky", {"blue sky", "a cloudless sky", "summer sky"}},
      {"cloudy sky", {"clouds", "an overcast sky", "a stormy sky"}},
      {"sunset sky", {"sunset", "dusk", "golden hour sky"}},
      {"sea", {"ocean", "a calm sea", "waves"}},
      {"lake", {"a calm lake", "a pond", "a mountain lake"}},
      {"sand", {"a beach", "desert", "sand dunes"}},
      {"grass", {"a meadow", "a green field", "rolling hills"}},
      {"forest", {"pine forest", "woods", "fir trees"}},
      {"mountain", {"mountains", "snow-capped peaks", "a mountain range"}},
      {"snow", {"fresh snow", "a snowfield", "snowdrifts"}},
      {"rock", {"rocks", "boulders", "a rocky outcrop"}},
      {"road", {"a dirt road", "a path", "a winding road"}},
      {"house", {"a cottage", "a farmhouse", "a cabin"}},
      {"tree", {"an oak tree", "a lone tree", "a leafy tree"}},
      {"sun", {"the sun", "a bright sun", "a yellow sun"}},
      {"moon", {"the moon", "a full moon", "a silver moon"}},
  };
  return hints;
}

}  // namespace palette::app
