# Tests of the profiling report (issue 6 item 5): the writer on fixture
# inputs, every bad-input case, atomic writes, the CLI, and the browser checks
# (headless Chromium renders tmp/report.html and the flame graph SVG; they
# skip, saying why, when chromium is not installed). Screenshots are kept in
# <build>/tmp/report-browser/. Included by tests/analysis/CMakeLists.txt.
add_executable(test_analysis_report
  report/headless_chromium.cpp
  report/test_report_browser.cpp
  report/test_report_document.cpp
  report/test_report_inputs.cpp
  report/test_report_writer.cpp
  report/test_pipeline.cpp)
target_link_libraries(test_analysis_report PRIVATE engram::report engram::profile engram::roofline engram_counters
                      engram_workload GTest::gtest_main GTest::gmock
                      nlohmann_json::nlohmann_json)
# The report's internal units (document model, parsers, ranking) are tested
# directly.
target_include_directories(test_analysis_report PRIVATE ${CMAKE_SOURCE_DIR}/analysis/report/src)
target_compile_definitions(test_analysis_report PRIVATE
  ENGRAM_REPORT_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/report/fixtures"
  ENGRAM_REPORT_TOOL="$<TARGET_FILE:report>"
  ENGRAM_REPORT_SCREENSHOTS="${CMAKE_BINARY_DIR}/tmp/report-browser")
add_dependencies(test_analysis_report report)
# The pipeline test runs the main job's tools (scripts/profile_hotspots.sh)
# for real; the ceilings program exists on x86-64 only, elsewhere it skips.
if(TARGET ceilings)
  target_compile_definitions(test_analysis_report PRIVATE
    ENGRAM_PIPELINE_PROFILE="${CMAKE_CURRENT_SOURCE_DIR}/fixtures/perf_script_small.txt"
    ENGRAM_PIPELINE_PROFILED_BINARY="$<TARGET_FILE:profiling_harness>"
    ENGRAM_PIPELINE_HOTSPOTS="$<TARGET_FILE:hotspots>"
    ENGRAM_PIPELINE_FLAMEGRAPH="$<TARGET_FILE:flamegraph>"
    ENGRAM_PIPELINE_BASELINE="$<TARGET_FILE:baseline>"
    ENGRAM_PIPELINE_CEILINGS="$<TARGET_FILE:ceilings>"
    ENGRAM_PIPELINE_ROOFLINE="$<TARGET_FILE:roofline>"
    ENGRAM_PIPELINE_STABILITY="$<TARGET_FILE:stability>")
  add_dependencies(test_analysis_report profiling_harness hotspots flamegraph baseline ceilings roofline stability)
endif()
engram_warnings(test_analysis_report)
engram_discover_tests(test_analysis_report
  PERF "Pipeline.*"
  BROWSER "BrowserCheck.*"
  PROGRAM "ReportWriter.Tool*"
  PROPERTIES TIMEOUT 60)
