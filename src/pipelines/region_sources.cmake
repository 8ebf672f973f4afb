target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/region_request.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_parts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/background_image.cpp
)
target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/prompt_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_step.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_regional.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_background.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_frame.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_stream.cpp
)
