target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mask_pipeline_test.cpp
)
