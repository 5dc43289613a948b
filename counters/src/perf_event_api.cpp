#include "perf_event_api.hpp"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace engram::counters::detail {
namespace {

class LinuxPerfEventApi final : public PerfEventApi {
 public:
  int open(const perf_event_attr& attr, int pid, int cpu, int group_fd) override {
    perf_event_attr copy = attr;
    const long fd = syscall(SYS_perf_event_open, &copy, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  int ioctl(int fd, unsigned long request, unsigned long argument) override {
    return ::ioctl(fd, request, argument) < 0 ? -errno : 0;
  }
  long read(int fd, void* buffer, std::size_t size) override {
    const ssize_t n = ::read(fd, buffer, size);
    return n < 0 ? -errno : static_cast<long>(n);
  }
  void close(int fd) override { ::close(fd); }
};

}  // namespace

PerfEventApi& linux_perf_event_api() {
  static LinuxPerfEventApi api;
  return api;
}

}  // namespace engram::counters::detail
