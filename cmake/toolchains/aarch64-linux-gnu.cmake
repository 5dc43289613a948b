# Cross-build for arm64 (aarch64) Linux with Debian's g++-aarch64-linux-gnu and
# the arm64 -dev packages installed through multiarch
# (`dpkg --add-architecture arm64`; scripts/bootstrap.sh --preset aarch64 does it).
# Libraries and CMake packages are found in /usr/lib/aarch64-linux-gnu, next to
# the host's own; headers in /usr/include are shared by both architectures.
# Test programs run through qemu-user (package qemu-user), so ctest works on
# an x86-64 host; the emulated-PMU lane runs them in a full-system guest.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Programs (qemu, cmake itself) come from the host; libraries and packages
# only from the arm64 side of the multiarch tree.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must read the arm64 .pc files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Debian's multiarch arm64 loader lives at /lib/ld-linux-aarch64.so.1, so
# qemu-aarch64 runs the programs with the arm64 libraries as they are.
# -cpu max offers every extension QEMU emulates (SVE and SVE2 among them), so
# the tests reach every SIMD level the kernels are built for.
find_program(ENGRAM_QEMU_AARCH64 qemu-aarch64)
if(ENGRAM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${ENGRAM_QEMU_AARCH64};-cpu;max")
endif()
