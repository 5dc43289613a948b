# Drives one fuzzer for ctest (tests/fuzz/CMakeLists.txt):
#   cmake -DFUZZER=<exe> -DNAME=<name> -DSOURCE_DIR=<tests/fuzz> -DWORK_DIR=<dir>
#         -DMODE=replay|fuzz [-DSECONDS=<n>] -P run_fuzzer.cmake
# replay: every committed seed and regression input, once each.
# fuzz:   libFuzzer for SECONDS from a fresh copy of them in WORK_DIR/corpus,
#         so that what it finds never grows the committed corpus; a crashing
#         input is written to WORK_DIR/crashes/ and the test fails.
foreach(var FUZZER NAME SOURCE_DIR WORK_DIR MODE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is missing")
  endif()
endforeach()

file(GLOB seeds LIST_DIRECTORIES false ${SOURCE_DIR}/corpus/${NAME}/*)
file(GLOB regressions LIST_DIRECTORIES false ${SOURCE_DIR}/regressions/${NAME}/*)
if(NOT seeds)
  message(FATAL_ERROR "${NAME}: no seed corpus in ${SOURCE_DIR}/corpus/${NAME}/")
endif()

# Leaks inside Debian's libraries that are not ours to fix (lsan.supp says which).
set(ENV{LSAN_OPTIONS} "suppressions=${SOURCE_DIR}/lsan.supp:print_suppressions=0")

if(MODE STREQUAL "replay")
  list(LENGTH seeds seed_count)
  list(LENGTH regressions regression_count)
  message(STATUS "${NAME}: replaying ${seed_count} seeds and ${regression_count} regression inputs")
  execute_process(COMMAND ${FUZZER} ${seeds} ${regressions} RESULT_VARIABLE result)
elseif(MODE STREQUAL "fuzz")
  if(NOT SECONDS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "run_fuzzer.cmake: -DSECONDS must be a positive whole number")
  endif()
  file(REMOVE_RECURSE ${WORK_DIR}/corpus)
  file(MAKE_DIRECTORY ${WORK_DIR}/corpus ${WORK_DIR}/crashes)
  file(COPY ${seeds} ${regressions} DESTINATION ${WORK_DIR}/corpus)
  set(dictionary)
  if(EXISTS ${SOURCE_DIR}/dictionaries/${NAME}.dict)
    set(dictionary -dict=${SOURCE_DIR}/dictionaries/${NAME}.dict)
  endif()
  # -timeout: one input that takes longer is reported as a hang (a crash).
  execute_process(COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -print_final_stats=1
                          -artifact_prefix=${WORK_DIR}/crashes/ ${dictionary} ${WORK_DIR}/corpus
                  RESULT_VARIABLE result)
else()
  message(FATAL_ERROR "run_fuzzer.cmake: MODE must be replay or fuzz, not '${MODE}'")
endif()

if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NAME}: the fuzzer failed (${result}); a crashing input, if any, is in ${WORK_DIR}/crashes/")
endif()
