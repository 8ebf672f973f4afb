target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/blocks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet_blocks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/regional_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unet_graph.cpp
)
