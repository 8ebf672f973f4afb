target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cli_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/render_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/background_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hardening_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_inputs_e2e_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/usage_e2e_test.cpp
)
