# The install as another project sees it (issue 15's acceptance), run by
# ctest as `cmake -P` (tests/install/CMakeLists.txt):
#   1. cmake --install <build> --prefix <work>/prefix
#   2. examples/gbench_suite configured with only that prefix on
#      CMAKE_PREFIX_PATH, built, and run with --counters: every benchmark
#      has a value for each counter, and the JSON context's engram.counters
#      gives each one a status (task-clock counted; L1_DCM and BR_MSP
#      simulated by callgrind here, counted where a PMU counts them);
#   3. the installed tools run from the prefix: ecount --help, compare
#      --help, baseline --benchmark_list_tests (its peers' libraries are
#      found through its RUNPATH);
#   4. a one-file program built with `pkg-config --cflags --libs engram_counters`.
# Inputs (-D): BUILD_DIR, SOURCE_DIR, WORK_DIR, CXX, PKG_CONFIG, VALGRIND.
# A missing valgrind prints "SKIPPED:" (the test's SKIP_REGULAR_EXPRESSION),
# or fails under ENGRAM_REQUIRE_TOOLS=1 (tests/common/required_tool.hpp).
cmake_minimum_required(VERSION 3.25)

foreach(input BUILD_DIR SOURCE_DIR WORK_DIR CXX PKG_CONFIG)
  if(NOT DEFINED ${input} OR "${${input}}" STREQUAL "")
    message(FATAL_ERROR "example_against_prefix.cmake: -D${input}=... is required")
  endif()
endforeach()

if(NOT VALGRIND OR NOT EXISTS "${VALGRIND}")
  if("$ENV{ENGRAM_REQUIRE_TOOLS}" STREQUAL "1")
    message(FATAL_ERROR "ENGRAM_REQUIRE_TOOLS=1 and a required tool is missing: valgrind (Debian package valgrind)")
  endif()
  message("SKIPPED: valgrind is missing (Debian package valgrind): the example's counters cannot be simulated")
  return()
endif()

set(prefix ${WORK_DIR}/prefix)
set(logs ${WORK_DIR}/logs)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${logs})

# Runs a command; on failure stops with its output. OUTPUT_VARIABLE names
# the variable that receives its standard output.
function(run step)
  cmake_parse_arguments(ARG "" "OUTPUT_VARIABLE" "COMMAND" ${ARGN})
  execute_process(COMMAND ${ARG_COMMAND} RESULT_VARIABLE status
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(WRITE ${logs}/${step}.log "${ARG_COMMAND}\n--- stdout\n${out}\n--- stderr\n${err}")
  if(NOT status EQUAL 0)
    string(REPLACE ";" " " line "${ARG_COMMAND}")
    message(FATAL_ERROR "${step}: `${line}` failed (${status})\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  if(ARG_OUTPUT_VARIABLE)
    set(${ARG_OUTPUT_VARIABLE} "${out}" PARENT_SCOPE)
  endif()
  message(STATUS "${step}: ok")
endfunction()

# 1. The install.
run(install COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file include/engram/counters.hpp include/engram/io/json.hpp lib/cmake/engram_counters/engram_countersConfig.cmake
             lib/pkgconfig/engram_counters.pc)
  if(NOT EXISTS ${prefix}/${file})
    # The library folder may carry a multiarch suffix (GNUInstallDirs).
    string(REPLACE "lib/" "lib/*/" pattern "${file}")
    file(GLOB matches ${prefix}/${pattern})
    if(NOT matches)
      message(FATAL_ERROR "install: ${file} is missing under ${prefix}")
    endif()
  endif()
endforeach()
if(NOT EXISTS ${prefix}/include/engram/counters_gbench.hpp)
  message(FATAL_ERROR "install: the Google Benchmark drop-in (engram::counters_gbench, "
                      "include/engram/counters_gbench.hpp) is not in the package")
endif()

# 2. The example, with nothing but the prefix: the package must come from there.
set(example ${WORK_DIR}/example)
run(example_configure COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/gbench_suite -B ${example} -G Ninja
                              -DCMAKE_PREFIX_PATH=${prefix})
file(STRINGS ${example}/CMakeCache.txt package_dir REGEX "^engram_counters_DIR:")
string(REGEX REPLACE "^[^=]*=" "" package_dir "${package_dir}")
string(FIND "${package_dir}" "${prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "example_configure: engram_counters was found in '${package_dir}', not under ${prefix}")
endif()
run(example_build COMMAND ${CMAKE_COMMAND} --build ${example})
run(example_run OUTPUT_VARIABLE json
    COMMAND ${example}/gbench_suite --counters=L1_DCM,BR_MSP,task-clock --benchmark_format=json
            --benchmark_min_time=0.01)

string(JSON statuses_text ERROR_VARIABLE error GET "${json}" context engram.counters)
if(error)
  message(FATAL_ERROR "example_run: no \"engram.counters\" in the JSON context (${error}):\n${json}")
endif()
string(JSON count ERROR_VARIABLE error LENGTH "${statuses_text}" counters)
if(error)
  message(FATAL_ERROR "example_run: engram.counters is not the counter statuses (${error}): ${statuses_text}")
endif()
set(expected_task-clock counted)
set(expected_L1_DCM "counted|multiplexed|simulated")
set(expected_BR_MSP "counted|multiplexed|simulated")
set(seen "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${statuses_text}" counters ${i} counter)
  string(JSON status GET "${statuses_text}" counters ${i} status)
  if(NOT DEFINED expected_${name})
    message(FATAL_ERROR "example_run: engram.counters lists '${name}', which was not asked for: ${statuses_text}")
  endif()
  if(NOT status MATCHES "^(${expected_${name}})$")
    message(FATAL_ERROR "example_run: ${name} has status '${status}', expected ${expected_${name}}: ${statuses_text}")
  endif()
  message(STATUS "example_run: ${name} ${status}")
  list(APPEND seen ${name})
endforeach()
foreach(name task-clock L1_DCM BR_MSP)
  if(NOT name IN_LIST seen)
    message(FATAL_ERROR "example_run: engram.counters has no status for ${name}: ${statuses_text}")
  endif()
endforeach()

# Every benchmark carries a number for every counter (none has a status
# without a value: the three can all be counted or simulated here). A
# simulated 0 is a count; a missing value would be the bug.
string(JSON benchmarks LENGTH "${json}" benchmarks)
if(benchmarks LESS 2)
  message(FATAL_ERROR "example_run: ${benchmarks} benchmark(s) in the JSON, expected the example's two:\n${json}")
endif()
math(EXPR last "${benchmarks} - 1")
foreach(i RANGE ${last})
  string(JSON benchmark GET "${json}" benchmarks ${i} name)
  foreach(name task-clock L1_DCM BR_MSP)
    string(JSON type ERROR_VARIABLE error TYPE "${json}" benchmarks ${i} ${name})
    if(error OR NOT type STREQUAL "NUMBER")
      message(FATAL_ERROR "example_run: ${benchmark} has no value for ${name}:\n${json}")
    endif()
    string(JSON value GET "${json}" benchmarks ${i} ${name})
    if(value LESS 0)
      message(FATAL_ERROR "example_run: ${benchmark}: ${name} = ${value}, a negative count")
    endif()
  endforeach()
  message(STATUS "example_run: ${benchmark} has task-clock, L1_DCM and BR_MSP")
endforeach()

# 3. The tools from the prefix.
run(ecount_help OUTPUT_VARIABLE help COMMAND ${prefix}/bin/ecount --help)
if(NOT help MATCHES "doctor")
  message(FATAL_ERROR "ecount_help: the installed ecount's --help does not list its commands:\n${help}")
endif()
run(compare_help COMMAND ${prefix}/bin/compare --help)
run(baseline_list OUTPUT_VARIABLE listed COMMAND ${prefix}/bin/baseline --benchmark_list_tests)
if(NOT listed MATCHES "openblas")
  message(FATAL_ERROR "baseline_list: the installed baseline lists no peer benchmarks:\n${listed}")
endif()

# 4. pkg-config alone.
file(GLOB_RECURSE pc_file ${prefix}/*/engram_counters.pc)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(pkg_config OUTPUT_VARIABLE flags COMMAND ${PKG_CONFIG} --cflags --libs engram_counters)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(pkg_config_build COMMAND ${CXX} -std=c++20 ${SOURCE_DIR}/tests/install/pkg_config_consumer.cpp ${flags}
                             -o ${WORK_DIR}/pkg_config_consumer)
run(pkg_config_run OUTPUT_VARIABLE said COMMAND ${WORK_DIR}/pkg_config_consumer)
if(NOT said MATCHES "^task-clock counted with a value")
  message(FATAL_ERROR "pkg_config_run: expected task-clock counted with a value, got: ${said}")
endif()

file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "install.example_against_prefix: passed")
