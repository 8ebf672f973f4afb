// The app's bound on LibTorch's cuDNN plan cache: set when the user did not choose, never over their choice.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "palette/cudnn_plan_cache.h"

namespace palette {
namespace {

constexpr const char* kVariable = "TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT";

TEST(CudnnPlanCache, BoundedUnlessTheUserChose) {
  const char* outside = std::getenv(kVariable);
  const std::string kept = outside ? outside : "";
  unsetenv(kVariable);
  EXPECT_EQ(limit_cudnn_plan_cache(1000), "at most 1000 cuDNN plans kept");
  ASSERT_NE(std::getenv(kVariable), nullptr);
  EXPECT_STREQ(std::getenv(kVariable), "1000");

  setenv(kVariable, "0", 1);  // the user's: no limit
  EXPECT_EQ(limit_cudnn_plan_cache(1000), "");
  EXPECT_STREQ(std::getenv(kVariable), "0");

  if (outside) setenv(kVariable, kept.c_str(), 1);
  else unsetenv(kVariable);
}

}  // namespace
}  // namespace palette
