target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/region_request.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_render.cpp
)
