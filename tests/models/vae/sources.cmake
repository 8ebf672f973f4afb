target_sources(palette_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/autoencoder_kl_test.cpp
)
