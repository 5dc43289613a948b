# The profiling report (issue 6 item 5): docs/internal/profiling_results.md and
# tmp/report.html from one run's artifacts. Included by analysis/CMakeLists.txt.
# The report reads the benchmark JSON and computes medians and CIs with the
# statistics part (src/stats), which it needs in the same library.
target_sources(engram_analysis PRIVATE
  src/report/benchmark_summary.cpp
  src/report/candidates.cpp
  src/report/document.cpp
  src/report/format.cpp
  src/report/inputs.cpp
  src/report/json_input.cpp
  src/report/report.cpp
  src/report/section_benchmarks.cpp
  src/report/section_profile.cpp
  src/report/section_roofline.cpp
  src/report/section_system.cpp
  src/report/system_probe.cpp)

add_executable(report tools/report_main.cpp tools/cli_common.cpp)
target_link_libraries(report PRIVATE engram::analysis Boost::program_options)
engram_warnings(report)
