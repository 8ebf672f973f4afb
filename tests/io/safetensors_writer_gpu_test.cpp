// Loading a written safetensors file straight onto the GPU in another dtype.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "palette/safetensors.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::TempDir;

TEST(SafetensorsGpu, LoadsOntoCudaInRequestedDtype) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  TempDir dir;
  const auto f = torch::randn({4, 4});
  save_safetensors(dir / "g.safetensors", {{"w", f.to(torch::kHalf)}});
  const auto t = SafetensorsFile::open(dir / "g.safetensors").load("w", torch::dtype(torch::kFloat).device(torch::kCUDA));
  EXPECT_TRUE(t.is_cuda());
  EXPECT_EQ(t.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(t.cpu(), f.to(torch::kHalf).to(torch::kFloat)));
}

}  // namespace
}  // namespace palette
