target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sampler_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/noise_source_test.cpp
)
