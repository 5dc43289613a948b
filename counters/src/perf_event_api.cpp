#include "perf_event_api.hpp"

#include <sys/ioctl.h>
#include <sys/mman.h>
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
  const perf_event_mmap_page* map_page(int fd) override {
    void* page = ::mmap(nullptr, page_size(), PROT_READ, MAP_SHARED, fd, 0);
    return page == MAP_FAILED ? nullptr : static_cast<const perf_event_mmap_page*>(page);
  }
  void unmap_page(const perf_event_mmap_page* page) override {
    if (page != nullptr) ::munmap(const_cast<perf_event_mmap_page*>(page), page_size());
  }

 private:
  static std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }
};

}  // namespace

PerfEventApi& linux_perf_event_api() {
  static LinuxPerfEventApi api;
  return api;
}

}  // namespace engram::counters::detail
