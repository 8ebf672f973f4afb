target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/coverage_resample.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mask.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tile_recorder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/brush.cpp
  ${CMAKE_CURRENT_LIST_DIR}/flood_fill.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_paint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/base64.cpp
  ${CMAKE_CURRENT_LIST_DIR}/png_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_value.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_fields.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/png_export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layout_render.cpp
)
