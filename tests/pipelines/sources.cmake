target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/text_to_image_test.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/panorama_sources.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/region_sources.cmake)
