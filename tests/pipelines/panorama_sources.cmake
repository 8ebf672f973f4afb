target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/panorama_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sync_diffusion_test.cpp
)
