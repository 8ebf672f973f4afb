target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/prompt_encoding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_tensor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text_to_image.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_requests.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_snapshot_maker.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/panorama_sources.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/region_sources.cmake)
