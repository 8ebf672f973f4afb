target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/world_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_captions_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_default_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_decoder_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/weight_average_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_e2e_test.cpp
)
target_link_libraries(palette_tests PRIVATE palette_training)
