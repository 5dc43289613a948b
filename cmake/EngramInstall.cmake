# `cmake --install build --prefix PREFIX`: what another project uses, and our
# tools. Included from the top CMakeLists.txt before the parts, which add
# their own install(TARGETS ...) lines where each target is defined.
#
#   PREFIX/include/engram/...            the public headers of io and counters
#   PREFIX/lib/libengram_{counters,io,noise}.a
#   PREFIX/lib/cmake/engram_counters/    find_package(engram_counters CONFIG):
#                                        engram::counters, engram::noise,
#                                        engram::counters_gbench (the Google
#                                        Benchmark drop-in, when it is built)
#   PREFIX/lib/pkgconfig/engram_counters.pc
#   PREFIX/bin/                          ecount, baseline, profiling_harness,
#                                        ceilings, outputs, the analysis tools,
#                                        engram-profile-hotspots (the main job)
#   PREFIX/lib/engram-perf/              the peers' shared libraries, which
#                                        baseline and profiling_harness load
#                                        through their RUNPATH ($ORIGIN/../lib/engram-perf)
#
# The kernels library is not installed: it is the workload this project
# studies (the engram memory graph), not a toolkit for other projects, and its
# API moves with the benchmarks (docs/use_in_your_project.md).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ENGRAM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/engram_counters)
# The peers' libraries are ours alone: a folder of their own keeps them off
# the linker's search path of everyone else.
set(ENGRAM_INSTALL_PRIVATE_LIBDIR ${CMAKE_INSTALL_LIBDIR}/engram-perf)
# The RUNPATH of an installed tool that loads the peers, relative to the tool
# so that the prefix can move.
file(RELATIVE_PATH ENGRAM_BIN_TO_PRIVATE_LIBDIR
     /${CMAKE_INSTALL_BINDIR} /${ENGRAM_INSTALL_PRIVATE_LIBDIR})
set(ENGRAM_TOOL_INSTALL_RPATH "$ORIGIN/${ENGRAM_BIN_TO_PRIVATE_LIBDIR}")

# The helper targets found by path in EngramDependencies.cmake join the export
# set because the static libraries name them in their link interface. Their
# build-time absolute paths stay in the build; installed, libpfm is named by
# its link name (the package's config checks that it is there) and the
# valgrind headers, needed only to compile counters itself, carry nothing.
set_target_properties(engram_pfm PROPERTIES
  EXPORT_NAME pfm
  INTERFACE_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${PFM_INCLUDE_DIR}>"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${PFM_INCLUDE_DIR}>"
  INTERFACE_LINK_LIBRARIES "$<BUILD_INTERFACE:${PFM_LIBRARY}>;$<INSTALL_INTERFACE:pfm>")
set_target_properties(engram_valgrind_headers PROPERTIES
  EXPORT_NAME valgrind_headers
  INTERFACE_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${VALGRIND_INCLUDE_DIR}>"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${VALGRIND_INCLUDE_DIR}>")
install(TARGETS engram_pfm engram_valgrind_headers EXPORT engram_counters_targets)

install(EXPORT engram_counters_targets
        NAMESPACE engram::
        FILE engram_counters_targets.cmake
        DESTINATION ${ENGRAM_INSTALL_CMAKEDIR})

write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/cmake/engram_countersConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor version may change the API
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cmake/engram_countersConfigVersion.cmake
        DESTINATION ${ENGRAM_INSTALL_CMAKEDIR})

# The package's config, the pkg-config file and the export names of targets
# added by the parts are settled once every part has been read (the drop-in
# target, counters/gbench, may or may not be there).
function(engram_install_finish)
  if(TARGET engram_counters_gbench)
    get_target_property(name engram_counters_gbench EXPORT_NAME)
    if(NOT name)
      set_target_properties(engram_counters_gbench PROPERTIES EXPORT_NAME counters_gbench)
    endif()
    set(ENGRAM_PACKAGE_HAS_GBENCH ON)
  else()
    set(ENGRAM_PACKAGE_HAS_GBENCH OFF)
  endif()
  configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/engram_countersConfig.cmake.in
    ${PROJECT_BINARY_DIR}/cmake/engram_countersConfig.cmake
    INSTALL_DESTINATION ${ENGRAM_INSTALL_CMAKEDIR})
  install(FILES ${PROJECT_BINARY_DIR}/cmake/engram_countersConfig.cmake
          DESTINATION ${ENGRAM_INSTALL_CMAKEDIR})

  # pkg-config: the libraries are static, so everything they need goes in
  # Libs and Requires (not .private): a plain `pkg-config --libs` must give
  # a line that links. Boost.Program_options has no .pc file in Debian.
  # Relocatable: the prefix is found from the .pc file's own folder.
  file(RELATIVE_PATH ENGRAM_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" ENGRAM_PC_TO_PREFIX "${ENGRAM_PC_TO_PREFIX}")
  set(ENGRAM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  set(ENGRAM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/engram_counters.pc.in
                 ${PROJECT_BINARY_DIR}/cmake/engram_counters.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/cmake/engram_counters.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL engram_install_finish)

# The main job's script, installed next to the tools it runs (it finds them
# beside itself; see scripts/profile_hotspots.sh).
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/profile_hotspots.sh
        DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME engram-profile-hotspots)
