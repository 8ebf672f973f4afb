target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mask_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paint_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/base64_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_file_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/png_layout_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_errors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_fuzz_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_inputs_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_inputs_fuzz_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/example_layouts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/examples_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layout_render_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layout_e2e_test.cpp
)
