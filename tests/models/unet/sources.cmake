target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/unet_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/regional_attention_test.cpp
)
