# The fused operations are always part of the engine (with their ATen reference formulations); their
# CUDA kernels only where CMake found a CUDA compiler beside a CUDA LibTorch (PALETTE_WITH_CUDA_KERNELS).
target_sources(palette_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fused_ops.cpp)
if(PALETTE_WITH_CUDA_KERNELS)
  # A library of its own without LibTorch's compile flags: nvcc sees plain CUDA only.
  add_library(palette_cuda_kernels STATIC ${CMAKE_CURRENT_LIST_DIR}/fused_kernels.cu)
  target_include_directories(palette_cuda_kernels PRIVATE "${CMAKE_CURRENT_LIST_DIR}/..")
  set_target_properties(palette_cuda_kernels PROPERTIES CUDA_STANDARD 17 POSITION_INDEPENDENT_CODE ON
    CUDA_RUNTIME_LIBRARY Shared)
  target_compile_options(palette_cuda_kernels PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--use_fast_math -lineinfo>)
  target_link_libraries(palette_engine PRIVATE palette_cuda_kernels)
endif()
