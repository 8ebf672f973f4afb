target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/clip_tokenizer_test.cpp
)
