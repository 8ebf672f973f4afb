target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/clip_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text_cleanup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_tables.cpp
)
