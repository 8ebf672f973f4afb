# ccache turns a rebuild after a small edit into seconds; optional, used when installed.
find_program(PALETTE_CCACHE ccache)
if(PALETTE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${PALETTE_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${PALETTE_CCACHE}")
  # Precompiled headers change mtimes on every configure; these settings let ccache still hit.
  set(ENV{CCACHE_SLOPPINESS} "pch_defines,time_macros,include_file_mtime,include_file_ctime")
endif()
