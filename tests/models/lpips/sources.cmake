target_sources(palette_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/lpips_test.cpp)
