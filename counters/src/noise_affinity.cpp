// engram noise: pinning the measuring thread to one CPU (engram/noise.hpp).
// A thread that stays on one CPU keeps its caches and is never migrated, and
// the steal the probe reads is that of the CPU it ran on.
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engram/noise.hpp"

namespace engram::noise {

namespace {

// A dynamically sized CPU set: a kernel may be built for more CPUs than
// glibc's fixed cpu_set_t holds (CPU_SETSIZE, 1024).
class CpuSet {
 public:
  explicit CpuSet(int cpus) : bytes_(CPU_ALLOC_SIZE(cpus)), set_(CPU_ALLOC(cpus)) {
    if (set_ != nullptr) CPU_ZERO_S(bytes_, set_);
  }
  ~CpuSet() {
    if (set_ != nullptr) CPU_FREE(set_);
  }
  CpuSet(const CpuSet&) = delete;
  CpuSet& operator=(const CpuSet&) = delete;

  bool valid() const { return set_ != nullptr; }
  std::size_t bytes() const { return bytes_; }
  cpu_set_t* get() const { return set_; }

 private:
  std::size_t bytes_;
  cpu_set_t* set_;
};

// No kernel supports more CPUs than this (CONFIG_NR_CPUS tops out at 8192).
constexpr int kMostCpus = 1 << 16;

// "{0-3,8,10-11}": a machine with hundreds of CPUs stays one short line.
std::string ranges_text(const std::vector<int>& cpus) {
  std::string text = "{";
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t last = i;
    while (last + 1 < cpus.size() && cpus[last + 1] == cpus[last] + 1) ++last;
    if (i > 0) text += ',';
    text += last == i ? fmt::format("{}", cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[last]);
    i = last + 1;
  }
  return text + "}";
}

}  // namespace

std::vector<int> allowed_cpus() {
  // The kernel refuses (EINVAL) a set smaller than its own CPU mask: grow it.
  for (int cpus = CPU_SETSIZE; cpus <= kMostCpus; cpus *= 2) {
    CpuSet set(cpus);
    if (!set.valid()) return {};
    if (::sched_getaffinity(0, set.bytes(), set.get()) == 0) {
      std::vector<int> out;
      for (int cpu = 0; cpu < cpus; ++cpu) {
        if (CPU_ISSET_S(static_cast<std::size_t>(cpu), set.bytes(), set.get())) out.push_back(cpu);
      }
      return out;
    }
    if (errno != EINVAL) return {};
  }
  return {};
}

std::string pin_current_thread(int cpu) {
  // Not checked against allowed_cpus(): that is the thread's current mask,
  // which a pinned thread narrows to one CPU; the kernel's own limit (the
  // cpuset, the online CPUs) is what sched_setaffinity enforces.
  const long configured = ::sysconf(_SC_NPROCESSORS_CONF);
  if (cpu < 0 || cpu >= kMostCpus || (configured > 0 && cpu >= configured)) {
    return fmt::format("CPU {} is out of range: the machine has {} CPUs, numbered from 0; this thread's allowed set "
                       "is {}",
                       cpu, configured, ranges_text(allowed_cpus()));
  }
  CpuSet set(cpu + 1);
  if (!set.valid()) return fmt::format("cannot allocate a CPU set for CPU {}", cpu);
  CPU_SET_S(static_cast<std::size_t>(cpu), set.bytes(), set.get());
  // pid 0: the calling thread only, not the whole process. The kernel moves
  // the thread before returning, so sched_getcpu() then answers `cpu`.
  if (::sched_setaffinity(0, set.bytes(), set.get()) != 0) {
    const int error = errno;
    return fmt::format("CPU {} is not one this thread may run on (sched_setaffinity: {}; offline, or outside "
                       "the cgroup's cpuset); this thread's allowed set is {}",
                       cpu, std::strerror(error), ranges_text(allowed_cpus()));
  }
  return "";
}

}  // namespace engram::noise
