target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/region_render_test.cpp
)
