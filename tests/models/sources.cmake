target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/module_weights_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chunked_attention_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/out_of_memory_test.cpp
)
target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_load_test.cpp
)
