target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lora.cpp
)
