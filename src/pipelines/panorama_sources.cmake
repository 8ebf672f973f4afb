target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/panorama_views.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama_sampling.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama.cpp
)
