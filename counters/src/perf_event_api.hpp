#pragma once
// The four system calls the perf_event backend needs, behind an interface so
// that tests can script what the kernel answers (values, multiplexing,
// refusals) without a PMU.
#include <linux/perf_event.h>

#include <cstddef>
#include <cstdint>

namespace engram::counters::detail {

class PerfEventApi {
 public:
  virtual ~PerfEventApi() = default;
  // A file descriptor, or -errno.
  virtual int open(const perf_event_attr& attr, int pid, int cpu, int group_fd) = 0;
  // 0, or -errno.
  virtual int ioctl(int fd, unsigned long request, unsigned long argument) = 0;
  // Bytes read, or -errno.
  virtual long read(int fd, void* buffer, std::size_t size) = 0;
  virtual void close(int fd) = 0;
  // The event's first mmap page (read-only), through which its count may be
  // read from user space; null when it cannot be mapped (the default: fakes
  // have none, so their groups are read with read()).
  virtual const perf_event_mmap_page* map_page(int fd) {
    (void)fd;
    return nullptr;
  }
  virtual void unmap_page(const perf_event_mmap_page* page) { (void)page; }
};

// The real kernel interface.
PerfEventApi& linux_perf_event_api();

}  // namespace engram::counters::detail
