target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/panorama_views.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama_sampling.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama.cpp
  ${CMAKE_CURRENT_LIST_DIR}/panorama_coherence.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sync_diffusion.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sync_gradient.cpp
)
