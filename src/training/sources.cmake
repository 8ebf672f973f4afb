# palette_training: the built-in default model's procedural world, training and evaluation. Its own
# library on top of the engine, linked only by the CLI and the tests: the app and the engine's other
# clients never carry the trainer.
add_library(palette_training STATIC
  ${CMAKE_CURRENT_LIST_DIR}/world.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_textures.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_paint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_compose.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_captions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/world_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/default_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_common.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_parts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_autoencoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_unet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unknown_words.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_classifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eval_default.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eval_phrasings.cpp
)
# build_info.h (where the bundled assets are) is generated beside the engine's build files.
target_include_directories(palette_training PRIVATE "${CMAKE_CURRENT_LIST_DIR}/.." "${CMAKE_CURRENT_BINARY_DIR}/generated")
target_link_libraries(palette_training PUBLIC palette_engine)
if(PALETTE_USE_PCH)
  target_precompile_headers(palette_training REUSE_FROM palette_engine)
endif()
target_link_libraries(palette PRIVATE palette_training)
