#include "models/device_caps.h"

#include "build_info.h"

#if PALETTE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace palette {

bool has_native_bfloat16(const torch::Device& device) {
#if PALETTE_WITH_CUDA
  if (!device.is_cuda()) return false;
  const int index = device.has_index() ? device.index() : c10::cuda::current_device();
  return at::cuda::getDeviceProperties(index)->major >= 8;
#else
  (void)device;
  return false;
#endif
}

}  // namespace palette
