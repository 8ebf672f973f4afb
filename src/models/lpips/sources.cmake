target_sources(palette_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/lpips.cpp)
