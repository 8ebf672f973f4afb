target_sources(palette PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/command_info.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_inspect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_panorama.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/progress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_choice.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layout_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_bench.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_workloads.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_profile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_train.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command_eval.cpp
)
