target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/noise_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lcm_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ddim_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/euler_scheduler.cpp
)
