#include "palette/cudnn_plan_cache.h"

#include <cstdlib>

namespace palette {

std::string limit_cudnn_plan_cache(int plans) {
  constexpr const char* kVariable = "TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT";
  if (std::getenv(kVariable) != nullptr) return "";  // the user's choice
  const std::string value = std::to_string(plans);
  if (setenv(kVariable, value.c_str(), 0) != 0) return "";
  return "at most " + value + " cuDNN plans kept";
}

}  // namespace palette
