target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/region_render_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_fixture.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_background_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_background_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_engine_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_edits_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_regional_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_stream_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/precision_gpu_test.cpp
)
