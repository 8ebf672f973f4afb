target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chunked_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/module_weights.cpp
)
target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/assets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/detect_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/random_model.cpp
)
