# Tests of the roofline analysis (analysis/roofline, build/analysis/roofline)
# and of the machine ceilings it reads (bench/src/ceilings, build/bench/ceilings).
# Included by tests/analysis/CMakeLists.txt.
set(ENGRAM_ROOFLINE_TEST_SOURCES
  roofline/test_roofline_math.cpp
  roofline/test_roofline_input.cpp
  roofline/test_roofline_plot.cpp
  roofline/test_roofline_cli.cpp)
if(TARGET engram_ceilings)  # x86-64 only
  list(APPEND ENGRAM_ROOFLINE_TEST_SOURCES roofline/test_plateaus.cpp roofline/test_ceilings_program.cpp
       roofline/test_ceilings_json.cpp roofline/test_cache_sizes.cpp)
endif()
add_executable(test_analysis_roofline ${ENGRAM_ROOFLINE_TEST_SOURCES})
target_include_directories(test_analysis_roofline PRIVATE roofline)
target_link_libraries(test_analysis_roofline PRIVATE engram::roofline GTest::gtest_main nlohmann_json::nlohmann_json)
target_compile_definitions(test_analysis_roofline PRIVATE
  ENGRAM_ROOFLINE_TOOL="$<TARGET_FILE:roofline>"
  ENGRAM_ROOFLINE_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/roofline/fixtures")
add_dependencies(test_analysis_roofline roofline)
if(TARGET engram_ceilings)
  target_link_libraries(test_analysis_roofline PRIVATE engram::ceilings)
  target_compile_definitions(test_analysis_roofline PRIVATE ENGRAM_CEILINGS_TOOL="$<TARGET_FILE:ceilings>")
  add_dependencies(test_analysis_roofline ceilings)
endif()
engram_warnings(test_analysis_roofline)
# A real bandwidth sweep: what it measures depends on what else the machine
# runs (label perf); the plateau logic is judged on synthetic sweeps instead.
engram_discover_tests(test_analysis_roofline
  PERF "CeilingsProgram.QuickRunWritesSaneJson"
  PROGRAM "CeilingsProgram.*:RooflineCli.*:RooflinePlotRender.*:RooflinePlotWithoutGnuplot.*")

# The ceilings program picks its kernels at run time, so it must also run
# where AVX-512 is missing: under valgrind, whose CPUID hides it.
if(TARGET ceilings AND ENGRAM_VALGRIND_TESTS AND VALGRIND_EXECUTABLE)
  add_test(NAME ceilings_valgrind
           COMMAND ${VALGRIND_EXECUTABLE} --error-exitcode=1 -q $<TARGET_FILE:ceilings>
                   --quick -q --peak-seconds 0.02 --max-size 1M)
  set_tests_properties(ceilings_valgrind PROPERTIES TIMEOUT 120 LABELS valgrind)
endif()
