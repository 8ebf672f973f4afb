target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_layout_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lora_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_file_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/infotext_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/input_file_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_input_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/png_bomb_test.cpp
)
