# Tests of compare --profile: the differential flame graph of each regressed
# benchmark (analysis/profile regression_profile). Included by
# tests/analysis/CMakeLists.txt.

add_executable(test_regression_profile
  regression_profile/test_regression_profile.cpp
  regression_profile/test_compare_profile_tool.cpp)
target_link_libraries(test_regression_profile PRIVATE engram::profile GTest::gtest_main GTest::gmock
                      nlohmann_json::nlohmann_json)
target_compile_definitions(test_regression_profile PRIVATE
  ENGRAM_STATS_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/stats/fixtures"
  ENGRAM_COMPARE_TOOL="$<TARGET_FILE:compare>"
  ENGRAM_BASELINE="$<TARGET_FILE:baseline>")
add_dependencies(test_regression_profile compare baseline)
engram_warnings(test_regression_profile)
engram_discover_tests(test_regression_profile PROGRAM "CompareProfileTool.*")
