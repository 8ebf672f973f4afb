target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/fused_ops_gpu_test.cpp
)
