#include "user_space_read.hpp"

#include <atomic>

namespace engram::counters::detail {
namespace {

#if defined(__x86_64__)
constexpr bool kCompiled = true;

std::uint64_t read_counter_register(std::uint32_t index) {
  std::uint32_t low = 0, high = 0;
  asm volatile("rdpmc" : "=a"(low), "=d"(high) : "c"(index));
  return (std::uint64_t{high} << 32) | low;
}

std::uint64_t read_timestamp() {
  std::uint32_t low = 0, high = 0;
  asm volatile("rdtsc" : "=a"(low), "=d"(high));
  return (std::uint64_t{high} << 32) | low;
}

#elif defined(__aarch64__)
constexpr bool kCompiled = true;

// PMEVCNTR<n>_EL0 takes its number in the instruction; 31 is the cycle counter.
#define ENGRAM_READ_EVCNTR(n) \
  case n:                     \
    asm volatile("mrs %0, pmevcntr" #n "_el0" : "=r"(value)); \
    break;

std::uint64_t read_counter_register(std::uint32_t index) {
  std::uint64_t value = 0;
  switch (index) {
    ENGRAM_READ_EVCNTR(0) ENGRAM_READ_EVCNTR(1) ENGRAM_READ_EVCNTR(2) ENGRAM_READ_EVCNTR(3)
    ENGRAM_READ_EVCNTR(4) ENGRAM_READ_EVCNTR(5) ENGRAM_READ_EVCNTR(6) ENGRAM_READ_EVCNTR(7)
    ENGRAM_READ_EVCNTR(8) ENGRAM_READ_EVCNTR(9) ENGRAM_READ_EVCNTR(10) ENGRAM_READ_EVCNTR(11)
    ENGRAM_READ_EVCNTR(12) ENGRAM_READ_EVCNTR(13) ENGRAM_READ_EVCNTR(14) ENGRAM_READ_EVCNTR(15)
    ENGRAM_READ_EVCNTR(16) ENGRAM_READ_EVCNTR(17) ENGRAM_READ_EVCNTR(18) ENGRAM_READ_EVCNTR(19)
    ENGRAM_READ_EVCNTR(20) ENGRAM_READ_EVCNTR(21) ENGRAM_READ_EVCNTR(22) ENGRAM_READ_EVCNTR(23)
    ENGRAM_READ_EVCNTR(24) ENGRAM_READ_EVCNTR(25) ENGRAM_READ_EVCNTR(26) ENGRAM_READ_EVCNTR(27)
    ENGRAM_READ_EVCNTR(28) ENGRAM_READ_EVCNTR(29) ENGRAM_READ_EVCNTR(30)
    case 31:
      asm volatile("mrs %0, pmccntr_el0" : "=r"(value));
      break;
    default:
      break;
  }
  return value;
}
#undef ENGRAM_READ_EVCNTR

std::uint64_t read_timestamp() {
  std::uint64_t value = 0;
  asm volatile("isb; mrs %0, cntvct_el0" : "=r"(value));
  return value;
}

#else
constexpr bool kCompiled = false;
std::uint64_t read_counter_register(std::uint32_t) { return 0; }
std::uint64_t read_timestamp() { return 0; }
#endif

// Time since the kernel last updated the page, in ns (perf_event.h's recipe).
std::uint64_t elapsed_since_update(const volatile perf_event_mmap_page& page) {
  std::uint64_t cycles = read_timestamp();
  if (page.cap_user_time_short) cycles = page.time_cycles + ((cycles - page.time_cycles) & page.time_mask);
  const std::uint16_t shift = page.time_shift;
  const std::uint64_t quotient = cycles >> shift;
  const std::uint64_t remainder = cycles & ((std::uint64_t{1} << shift) - 1);
  return page.time_offset + quotient * page.time_mult + ((remainder * page.time_mult) >> shift);
}

}  // namespace

bool user_space_reads_compiled() { return kCompiled; }

void request_user_access(perf_event_attr& attr) {
#if defined(__aarch64__)
  if (attr.type == PERF_TYPE_HARDWARE || attr.type == PERF_TYPE_HW_CACHE || attr.type == PERF_TYPE_RAW)
    attr.config1 |= 0x2;  // the armv8 PMU's "rdpmc" format bit
#else
  (void)attr;
#endif
}

std::optional<UserSpaceCount> read_in_user_space(const perf_event_mmap_page& mapped) {
  if (!kCompiled) return std::nullopt;
  // The kernel rewrites the page under a sequence count: read until a whole
  // pass saw one unchanged count.
  const volatile perf_event_mmap_page& page = mapped;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const std::uint32_t sequence = page.lock;
    std::atomic_signal_fence(std::memory_order_acq_rel);
    const std::uint32_t index = page.index;
    if (!page.cap_user_rdpmc || index == 0 || !page.cap_user_time) return std::nullopt;
    UserSpaceCount out;
    const std::uint16_t width = page.pmc_width;
    std::uint64_t counter = read_counter_register(index - 1);
    if (width > 0 && width < 64) {  // sign-extend the register's width
      counter <<= 64 - width;
      counter = static_cast<std::uint64_t>(static_cast<std::int64_t>(counter) >> (64 - width));
    }
    out.value = static_cast<std::uint64_t>(page.offset) + counter;
    const std::uint64_t delta = elapsed_since_update(page);
    out.time_enabled = page.time_enabled + delta;
    out.time_running = page.time_running + delta;  // on the PMU now (index != 0)
    std::atomic_signal_fence(std::memory_order_acq_rel);
    if (page.lock == sequence) return out;
  }
  return std::nullopt;
}

}  // namespace engram::counters::detail
