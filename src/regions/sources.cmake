target_sources(palette_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mask_pipeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bbox_shift.cpp
)
