#include "pfm_catalog.hpp"

#include <perfmon/pfmlib_perf_event.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace engram::counters::detail {
namespace {

// libpfm4 keeps global state and is not documented as thread-safe.
std::mutex& pfm_mutex() {
  static std::mutex mutex;
  return mutex;
}

// libpfm4's state is shared with PAPI, whose perf_event component calls
// pfm_terminate() when it disables itself (perf_event_paranoid 3 for a user
// without CAP_PERFMON): every name lookup after that failed ("unknown counter
// 'task-clock'; close matches: task-clock"). So libpfm4 is initialized
// again on every entry: pfm_initialize() returns at once when it already
// is, and restores the tables when PAPI has torn them down.
const std::string& init_once() {
  static std::string error;
  const int rc = pfm_initialize();
  error = rc == PFM_SUCCESS ? std::string() : std::string("libpfm4 failed to initialize: ") + pfm_strerror(rc);
  return error;
}

std::optional<pfm_pmu_info_t> pmu_info(pfm_pmu_t pmu) {
  pfm_pmu_info_t info;
  std::memset(&info, 0, sizeof info);
  info.size = sizeof info;
  if (pfm_get_pmu_info(pmu, &info) != PFM_SUCCESS) return std::nullopt;
  return info;
}

// The fully qualified string minus "name=value" modifiers: pmu::event:umask...
std::string strip_modifiers(const std::string& fstr) {
  const auto events_start = fstr.find("::");
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start <= fstr.size()) {
    auto end = fstr.find(':', start);
    // "::" separates the PMU from the event; keep it whole.
    if (end != std::string::npos && end == events_start) end = fstr.find(':', end + 2);
    const std::string token = fstr.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (token.find('=') == std::string::npos && !token.empty()) {
      if (!first) out += ':';
      out += token;
      first = false;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Encodes under the lock already held; the libpfm4 error code.
int encode_locked(const std::string& text) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  pfm_perf_encode_arg_t arg;
  std::memset(&arg, 0, sizeof arg);
  arg.attr = &attr;
  arg.size = sizeof arg;
  return pfm_get_os_event_encoding(text.c_str(), PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
}

std::vector<std::string> umasks_of(int idx) {
  std::vector<std::string> out;
  pfm_event_info_t info;
  std::memset(&info, 0, sizeof info);
  info.size = sizeof info;
  if (pfm_get_event_info(idx, PFM_OS_PERF_EVENT, &info) != PFM_SUCCESS) return out;
  for (int a = 0; a < info.nattrs; ++a) {
    pfm_event_attr_info_t attr;
    std::memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT, &attr) != PFM_SUCCESS) continue;
    if (attr.type == PFM_ATTR_UMASK && attr.name) out.emplace_back(attr.name);
  }
  return out;
}

int core_pmu_counters() {
  for (int p = PFM_PMU_NONE + 1; p < PFM_PMU_MAX; ++p) {
    auto info = pmu_info(static_cast<pfm_pmu_t>(p));
    if (info && info->is_present && info->type == PFM_PMU_TYPE_CORE) return info->num_cntrs + info->num_fixed_cntrs;
  }
  return 0;
}

}  // namespace

std::string pfm_init_error() {
  std::lock_guard lock(pfm_mutex());
  return init_once();
}

std::optional<PfmEvent> pfm_encode(std::string_view name) {
  std::lock_guard lock(pfm_mutex());
  if (!init_once().empty()) return std::nullopt;
  const std::string text(name);
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  char* fstr = nullptr;
  pfm_perf_encode_arg_t arg;
  std::memset(&arg, 0, sizeof arg);
  arg.attr = &attr;
  arg.fstr = &fstr;
  arg.size = sizeof arg;
  const int rc = pfm_get_os_event_encoding(text.c_str(), PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
  std::unique_ptr<char, decltype(&std::free)> fstr_owner(fstr, &std::free);
  if (rc != PFM_SUCCESS) return std::nullopt;

  PfmEvent event;
  event.attr.type = attr.type;
  event.attr.config = attr.config;
  event.attr.config1 = attr.config1;
  event.attr.config2 = attr.config2;
  // A privilege-level modifier (":u", ":k") changes what is counted, so it
  // stays in the attr and in the name; "instructions:u" is not "instructions".
  event.attr.exclude_kernel = attr.exclude_kernel;
  event.attr.exclude_user = attr.exclude_user;
  event.canonical = fstr ? strip_modifiers(fstr) : text;
  if (attr.exclude_kernel && !attr.exclude_user)
    event.canonical += ":u";
  else if (attr.exclude_user && !attr.exclude_kernel)
    event.canonical += ":k";

  pfm_event_info_t info;
  std::memset(&info, 0, sizeof info);
  info.size = sizeof info;
  if (pfm_get_event_info(arg.idx, PFM_OS_PERF_EVENT, &info) == PFM_SUCCESS) {
    if (info.desc) event.description = info.desc;
    if (auto pmu = pmu_info(info.pmu)) {
      event.pmu = pmu->name ? pmu->name : "";
      event.pmu_counters = pmu->num_cntrs + pmu->num_fixed_cntrs;
    }
  }
  event.software = attr.type == PERF_TYPE_SOFTWARE || attr.type == PERF_TYPE_TRACEPOINT;
  // Generic hardware events run on the core PMU; libpfm4 files them under "perf".
  if (!event.software && (attr.type == PERF_TYPE_HARDWARE || attr.type == PERF_TYPE_HW_CACHE))
    event.pmu_counters = core_pmu_counters();
  return event;
}

std::optional<std::string> pfm_encoding_problem(std::string_view name) {
  std::lock_guard lock(pfm_mutex());
  if (!init_once().empty()) return std::nullopt;
  const std::string text(name);
  const int rc = encode_locked(text);
  if (rc == PFM_SUCCESS) return std::nullopt;
  // Is the event itself known? (the part before any ":umask")
  const auto events_start = text.find("::");
  const auto umask_start = text.find(':', events_start == std::string::npos ? 0 : events_start + 2);
  const std::string event = text.substr(0, umask_start);
  const int idx = pfm_find_event(event.c_str());
  if (idx < 0) return std::nullopt;
  std::string problem = std::string("libpfm4 knows the event but cannot encode it: ") + pfm_strerror(rc);
  const std::vector<std::string> umasks = umasks_of(idx);
  if (!umasks.empty() && rc == PFM_ERR_UMASK)
    problem += "; add a unit mask, e.g. " + event + ":" + umasks.front() + " (ecount list " + event + " shows them)";
  return problem;
}

std::vector<PfmPmu> pfm_present_pmus() {
  std::lock_guard lock(pfm_mutex());
  std::vector<PfmPmu> out;
  if (!init_once().empty()) return out;
  for (int p = PFM_PMU_NONE + 1; p < PFM_PMU_MAX; ++p) {
    auto info = pmu_info(static_cast<pfm_pmu_t>(p));
    if (!info || !info->is_present) continue;
    out.push_back(PfmPmu{info->name ? info->name : "", info->desc ? info->desc : "",
                         info->type == PFM_PMU_TYPE_CORE, info->nevents, info->num_cntrs + info->num_fixed_cntrs});
  }
  return out;
}

std::vector<std::string> pfm_event_names() {
  std::lock_guard lock(pfm_mutex());
  static std::optional<std::vector<std::string>> cached;
  if (cached) return *cached;
  std::vector<std::string> out;
  if (!init_once().empty()) return out;
  for (int p = PFM_PMU_NONE + 1; p < PFM_PMU_MAX; ++p) {
    auto pmu = pmu_info(static_cast<pfm_pmu_t>(p));
    if (!pmu || !pmu->is_present) continue;
    for (int idx = pmu->first_event; idx != -1; idx = pfm_get_event_next(idx)) {
      pfm_event_info_t info;
      std::memset(&info, 0, sizeof info);
      info.size = sizeof info;
      if (pfm_get_event_info(idx, PFM_OS_PERF_EVENT, &info) != PFM_SUCCESS || !info.name) continue;
      const std::string event = std::string(pmu->name) + "::" + info.name;
      if (encode_locked(event) == PFM_SUCCESS) {
        out.push_back(event);
        continue;
      }
      for (const std::string& umask : umasks_of(idx))
        if (encode_locked(event + ":" + umask) == PFM_SUCCESS) out.push_back(event + ":" + umask);
    }
  }
  cached = out;
  return out;
}

}  // namespace engram::counters::detail
