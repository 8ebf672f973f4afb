# Finds the engine's dependencies: LibTorch, nlohmann/json, stb (headers), CLI11 (CLI only),
# GoogleTest (tests only). On Debian they come from apt (scripts/setup.sh). On the GPU machine,
# where nothing can be installed, the header-only ones come unpacked under PALETTE_DEPS_DIR
# (scripts/gpu/prepare-deps.sh) and LibTorch from PyTorch's wheel (CMAKE_PREFIX_PATH).

if(PALETTE_DEPS_DIR)
  get_filename_component(PALETTE_DEPS_DIR "${PALETTE_DEPS_DIR}" ABSOLUTE)
  list(APPEND CMAKE_PREFIX_PATH "${PALETTE_DEPS_DIR}/usr")
endif()

find_package(Torch REQUIRED)
message(STATUS "LibTorch ${Torch_VERSION} from ${Torch_DIR}")
# CUDA graphs and other CUDA-only paths need LibTorch's CUDA library: PyTorch's wheel has it,
# Debian's CPU-only libtorch-dev does not (its CUDA headers exist but nothing to link them to).
if(TARGET torch_cuda OR C10_CUDA_LIBRARY)
  set(PALETTE_WITH_CUDA 1)
else()
  set(PALETTE_WITH_CUDA 0)
endif()
message(STATUS "LibTorch CUDA support: ${PALETTE_WITH_CUDA}")
# The project's fused CUDA kernels (src/kernels) need nvcc as well; without it the engine uses their
# ATen formulations. PALETTE_CUDA_KERNELS=OFF skips them even where nvcc exists.
option(PALETTE_CUDA_KERNELS "Build the fused CUDA kernels when a CUDA compiler is found" ON)
set(PALETTE_WITH_CUDA_KERNELS 0)
if(PALETTE_WITH_CUDA AND PALETTE_CUDA_KERNELS)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES native)
    endif()
    enable_language(CUDA)
    set(PALETTE_WITH_CUDA_KERNELS 1)
  endif()
endif()
message(STATUS "Fused CUDA kernels: ${PALETTE_WITH_CUDA_KERNELS}")

find_package(nlohmann_json 3.2 REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)

find_path(PALETTE_STB_INCLUDE_DIR stb_image.h
  HINTS "${PALETTE_DEPS_DIR}/usr/include"
  PATH_SUFFIXES stb
  REQUIRED)
add_library(palette_stb INTERFACE)
target_include_directories(palette_stb SYSTEM INTERFACE "${PALETTE_STB_INCLUDE_DIR}")

if(PALETTE_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  if(NOT GTest_FOUND)
    # Debian's googletest package ships the sources; build them when no installed GTest exists.
    find_path(PALETTE_GTEST_SOURCE_DIR CMakeLists.txt
      HINTS "${PALETTE_DEPS_DIR}/usr/src/googletest" /usr/src/googletest
      NO_DEFAULT_PATH REQUIRED)
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
    add_subdirectory("${PALETTE_GTEST_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
    if(NOT TARGET GTest::gtest)
      add_library(GTest::gtest ALIAS gtest)
      add_library(GTest::gtest_main ALIAS gtest_main)
    endif()
  endif()
endif()
