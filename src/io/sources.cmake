target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lora.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/infotext.cpp
  ${CMAKE_CURRENT_LIST_DIR}/input_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_input.cpp
)
