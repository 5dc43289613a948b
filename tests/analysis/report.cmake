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
  report/test_report_writer.cpp)
target_link_libraries(test_analysis_report PRIVATE engram::analysis GTest::gtest_main GTest::gmock
                      nlohmann_json::nlohmann_json)
# The report's internal units (document model, parsers, ranking) are tested
# directly.
target_include_directories(test_analysis_report PRIVATE ${CMAKE_SOURCE_DIR}/analysis/src/report)
target_compile_definitions(test_analysis_report PRIVATE
  ENGRAM_REPORT_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/report/fixtures"
  ENGRAM_REPORT_TOOL="$<TARGET_FILE:report>"
  ENGRAM_REPORT_SCREENSHOTS="${CMAKE_BINARY_DIR}/tmp/report-browser")
add_dependencies(test_analysis_report report)
engram_warnings(test_analysis_report)
gtest_discover_tests(test_analysis_report DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60)
