# Statistics over repeated benchmark runs, regression compare, stability
# analysis and the performance-ratio table (issue 6 items 3-4, issue 7).
# Included by analysis/CMakeLists.txt.
target_sources(engram_analysis PRIVATE
  src/stats/benchmark_json.cpp
  src/stats/compare.cpp
  src/stats/gnuplot.cpp
  src/stats/ratios.cpp
  src/stats/stability.cpp
  src/stats/statistics.cpp
  src/stats/stats_cli.cpp
  src/stats/text_table.cpp)

foreach(tool compare stability ratios)
  add_executable(${tool} tools/${tool}_main.cpp)
  target_link_libraries(${tool} PRIVATE engram::analysis Boost::program_options fmt::fmt)
  engram_warnings(${tool})
endforeach()
