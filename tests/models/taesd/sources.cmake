target_sources(palette_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/taesd_test.cpp)
