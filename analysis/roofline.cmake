# Roofline analysis (issue 6 item 2): kernel benchmarks against the machine
# ceilings of build/bench/ceilings, as a table, JSON and a gnuplot plot.
# Included by analysis/CMakeLists.txt.
target_sources(engram_analysis PRIVATE
  src/roofline/ceilings_json.cpp
  src/roofline/roofline.cpp
  src/roofline/roofline_plot.cpp
  src/roofline/roofline_report.cpp)

add_executable(roofline tools/roofline_main.cpp tools/cli_common.cpp)
target_link_libraries(roofline PRIVATE engram::analysis Boost::program_options fmt::fmt)
engram_warnings(roofline)
