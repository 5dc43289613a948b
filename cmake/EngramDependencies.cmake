# Every dependency is a Debian 12 package (scripts/bootstrap.sh installs them).
# Nothing is downloaded at configure or build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(hwy REQUIRED)                       # libhwy-dev: run-time SIMD dispatch
pkg_check_modules(SLEEF REQUIRED IMPORTED_TARGET sleef)       # libsleef-dev
pkg_check_modules(PAPI REQUIRED IMPORTED_TARGET papi)         # libpapi-dev
find_library(SDE_LIBRARY NAMES sde REQUIRED)                  # libpapi-dev: libsde
find_path(SDE_INCLUDE_DIR NAMES sde_lib.hpp REQUIRED)
find_library(PFM_LIBRARY NAMES pfm REQUIRED)                  # libpfm4-dev
find_path(PFM_INCLUDE_DIR NAMES perfmon/pfmlib_perf_event.h REQUIRED)
find_package(benchmark REQUIRED)                 # libbenchmark-dev
find_package(GTest REQUIRED)                     # libgtest-dev
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)  # libboost-program-options-dev
find_package(Eigen3 REQUIRED NO_MODULE)          # libeigen3-dev
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas) # libopenblas-dev
find_package(nlohmann_json REQUIRED)             # nlohmann-json3-dev
find_package(fmt REQUIRED)                       # libfmt-dev
find_path(VALGRIND_INCLUDE_DIR NAMES valgrind/callgrind.h REQUIRED)  # valgrind

add_library(engram_sde INTERFACE)
target_include_directories(engram_sde SYSTEM INTERFACE ${SDE_INCLUDE_DIR})
target_link_libraries(engram_sde INTERFACE ${SDE_LIBRARY})

add_library(engram_pfm INTERFACE)
target_include_directories(engram_pfm SYSTEM INTERFACE ${PFM_INCLUDE_DIR})
target_link_libraries(engram_pfm INTERFACE ${PFM_LIBRARY})

add_library(engram_valgrind_headers INTERFACE)
target_include_directories(engram_valgrind_headers SYSTEM INTERFACE ${VALGRIND_INCLUDE_DIR})

find_program(VALGRIND_EXECUTABLE valgrind)
