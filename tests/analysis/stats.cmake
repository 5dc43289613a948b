# Tests of the statistics, compare, stability and ratio parts of the analysis
# library and their tools. Included by tests/analysis/CMakeLists.txt.

# compare --run's stand-in for a build of the baseline (test_ab_run_tool.cpp).
add_executable(fake_ab_benchmark stats/fake_ab_benchmark.cpp)
target_link_libraries(fake_ab_benchmark PRIVATE benchmark::benchmark)

add_executable(test_analysis_stats
  stats/test_ab_run.cpp
  stats/test_ab_run_tool.cpp
  stats/test_benchmark_json.cpp
  stats/test_compare.cpp
  stats/test_compare_cli.cpp
  stats/test_compare_counters.cpp
  stats/test_compare_options.cpp
  stats/test_end_to_end.cpp
  stats/test_estimator.cpp
  stats/test_gbench_versions.cpp
  stats/test_hostile_inputs.cpp
  stats/test_ratios.cpp
  stats/test_stability.cpp
  stats/test_statistics.cpp)
target_link_libraries(test_analysis_stats PRIVATE engram::benchstats GTest::gtest_main GTest::gmock
                      nlohmann_json::nlohmann_json)
target_compile_definitions(test_analysis_stats PRIVATE
  ENGRAM_STATS_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/stats/fixtures"
  ENGRAM_GBENCH_VERSION_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures/gbench_versions"
  ENGRAM_COMPARE_TOOL="$<TARGET_FILE:compare>"
  ENGRAM_FAKE_AB_BENCHMARK="$<TARGET_FILE:fake_ab_benchmark>"
  ENGRAM_STABILITY_TOOL="$<TARGET_FILE:stability>"
  ENGRAM_RATIOS_TOOL="$<TARGET_FILE:ratios>"
  ENGRAM_HARNESS_ROWS_TOOL="$<TARGET_FILE:harness_rows>"
  ENGRAM_ROOFLINE_TOOL="$<TARGET_FILE:roofline>"
  ENGRAM_REPORT_TOOL="$<TARGET_FILE:report>"
  ENGRAM_REPORT_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/report/fixtures"
  ENGRAM_BASELINE="$<TARGET_FILE:baseline>"
  ENGRAM_VALGRIND_TESTS=$<BOOL:${ENGRAM_VALGRIND_TESTS}>)
add_dependencies(test_analysis_stats fake_ab_benchmark compare stability ratios baseline harness_rows roofline report)
engram_warnings(test_analysis_stats)
# Two timed runs compared (CompareEndToEnd's timed cases): their verdict
# depends on the machine's noise (label perf); the callgrind case is not.
engram_discover_tests(test_analysis_stats
  PERF "CompareEndToEnd.TwoTimedRunsOfTheSameBinaryPass:CompareEndToEnd.ASlowedKernelIsARegression"
  VALGRIND "CompareEndToEnd.*"
  PROGRAM "GbenchVersionsTool.*:CompareTool.*:CompareCountersTool.*:CompareRunTool.*:StabilityTool.*:HostileInputTool.*:RatiosTool.*:Ratios.EveryTargetNamesABenchmarkTheBaselineHas:Stability.PlotsSvgAndPng*:Stability.AFailingGnuplot*")
# gate_rates (the regression gate's error rates): its own executable, so that
# it builds and runs apart from the compare tests that change beside it.
add_executable(test_gate_rates stats/test_gate_rates.cpp)
target_link_libraries(test_gate_rates PRIVATE engram::benchstats engram::io GTest::gtest_main GTest::gmock
                      nlohmann_json::nlohmann_json)
target_compile_definitions(test_gate_rates PRIVATE ENGRAM_GATE_RATES_TOOL="$<TARGET_FILE:gate_rates>"
  ENGRAM_STATS_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/stats/fixtures")
add_dependencies(test_gate_rates gate_rates)
engram_warnings(test_gate_rates)
engram_discover_tests(test_gate_rates PROGRAM "GateRatesTool.*")
