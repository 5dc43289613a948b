#include "catalog.hpp"

#include <map>

#include "text.hpp"

namespace engram::counters::detail {
namespace {

SimulationRecipe sum(std::vector<std::string> events) { return SimulationRecipe{std::move(events), false}; }
SimulationRecipe cycles_recipe() { return SimulationRecipe{{"Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"}, true}; }

struct PresetEntry {
  Role role;
  std::optional<SimulationRecipe> simulation;
  std::optional<std::string> perf_equivalent;
};

const std::map<std::string, PresetEntry, std::less<>>& preset_table() {
  static const std::map<std::string, PresetEntry, std::less<>> table = {
      {"PAPI_TOT_CYC", {Role::cycles, cycles_recipe(), "perf::PERF_COUNT_HW_CPU_CYCLES"}},
      {"PAPI_TOT_INS", {Role::instructions, sum({"Ir"}), "perf::PERF_COUNT_HW_INSTRUCTIONS"}},
      {"PAPI_L1_DCM", {Role::l1d_misses, sum({"D1mr", "D1mw"}), std::nullopt}},
      {"PAPI_L1_DCA", {Role::l1d_accesses, sum({"Dr", "Dw"}), std::nullopt}},
      {"PAPI_L1_LDM", {Role::none, sum({"D1mr"}), std::nullopt}},
      {"PAPI_L1_STM", {Role::none, sum({"D1mw"}), std::nullopt}},
      {"PAPI_L1_ICM", {Role::none, sum({"I1mr"}), std::nullopt}},
      {"PAPI_L1_TCM", {Role::none, sum({"I1mr", "D1mr", "D1mw"}), std::nullopt}},
      {"PAPI_L3_TCM", {Role::none, sum({"ILmr", "DLmr", "DLmw"}), std::nullopt}},
      {"PAPI_BR_MSP", {Role::branch_misses, sum({"Bcm", "Bim"}), "perf::PERF_COUNT_HW_BRANCH_MISSES"}},
      {"PAPI_BR_INS", {Role::branches, sum({"Bc", "Bi"}), "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS"}},
      {"PAPI_BR_CN", {Role::none, sum({"Bc"}), std::nullopt}},
      {"PAPI_LD_INS", {Role::loads, sum({"Dr"}), std::nullopt}},
      {"PAPI_SR_INS", {Role::stores, sum({"Dw"}), std::nullopt}},
      {"PAPI_LST_INS", {Role::none, sum({"Dr", "Dw"}), std::nullopt}},
  };
  return table;
}

constexpr std::uint64_t cache_config(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::none: return "none";
    case Role::cycles: return "cycles";
    case Role::instructions: return "instructions";
    case Role::l1d_misses: return "L1 data misses";
    case Role::l1d_accesses: return "L1 data accesses";
    case Role::branch_misses: return "branch mispredictions";
    case Role::branches: return "branches";
    case Role::loads: return "loads";
    case Role::stores: return "stores";
  }
  return "none";
}

const std::vector<GenericName>& generic_names() {
  static const std::vector<GenericName> names = {
      {"cycles", "perf::PERF_COUNT_HW_CPU_CYCLES", "CPU cycles"},
      {"cpu-cycles", "perf::PERF_COUNT_HW_CPU_CYCLES", "CPU cycles"},
      {"instructions", "perf::PERF_COUNT_HW_INSTRUCTIONS", "instructions retired"},
      {"cache-references", "perf::PERF_COUNT_HW_CACHE_REFERENCES", "last-level cache accesses"},
      {"cache-misses", "perf::PERF_COUNT_HW_CACHE_MISSES", "last-level cache misses"},
      {"branches", "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS", "branch instructions retired"},
      {"branch-instructions", "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS", "branch instructions retired"},
      {"branch-misses", "perf::PERF_COUNT_HW_BRANCH_MISSES", "mispredicted branches"},
      {"bus-cycles", "perf::PERF_COUNT_HW_BUS_CYCLES", "bus cycles"},
      {"ref-cycles", "perf::PERF_COUNT_HW_REF_CPU_CYCLES", "reference cycles (not scaled by frequency)"},
      {"stalled-cycles-frontend", "perf::PERF_COUNT_HW_STALLED_CYCLES_FRONTEND", "cycles the front end stalled"},
      {"stalled-cycles-backend", "perf::PERF_COUNT_HW_STALLED_CYCLES_BACKEND", "cycles the back end stalled"},
      {"l1-dcache-loads", "perf::L1-DCACHE-LOADS", "L1 data cache loads"},
      {"l1-dcache-load-misses", "perf::L1-DCACHE-LOAD-MISSES", "L1 data cache load misses"},
      {"l1-dcache-stores", "perf::L1-DCACHE-STORES", "L1 data cache stores"},
      {"l1-dcache-store-misses", "perf::L1-DCACHE-STORE-MISSES", "L1 data cache store misses"},
      {"l1-icache-load-misses", "perf::L1-ICACHE-LOAD-MISSES", "L1 instruction cache misses"},
      {"llc-loads", "perf::LLC-LOADS", "last-level cache loads"},
      {"llc-load-misses", "perf::LLC-LOAD-MISSES", "last-level cache load misses"},
      {"llc-stores", "perf::LLC-STORES", "last-level cache stores"},
      {"llc-store-misses", "perf::LLC-STORE-MISSES", "last-level cache store misses"},
      {"dtlb-load-misses", "perf::DTLB-LOAD-MISSES", "data TLB load misses"},
      {"itlb-load-misses", "perf::ITLB-LOAD-MISSES", "instruction TLB load misses"},
      {"task-clock", "perf::PERF_COUNT_SW_TASK_CLOCK", "time the task ran on a CPU (ns)"},
      {"cpu-clock", "perf::PERF_COUNT_SW_CPU_CLOCK", "CPU clock timer (ns)"},
      {"page-faults", "perf::PERF_COUNT_SW_PAGE_FAULTS", "page faults"},
      {"faults", "perf::PERF_COUNT_SW_PAGE_FAULTS", "page faults"},
      {"minor-faults", "perf::PERF_COUNT_SW_PAGE_FAULTS_MIN", "minor page faults (no I/O)"},
      {"major-faults", "perf::PERF_COUNT_SW_PAGE_FAULTS_MAJ", "major page faults (I/O)"},
      {"context-switches", "perf::PERF_COUNT_SW_CONTEXT_SWITCHES", "context switches"},
      {"cs", "perf::PERF_COUNT_SW_CONTEXT_SWITCHES", "context switches"},
      {"cpu-migrations", "perf::PERF_COUNT_SW_CPU_MIGRATIONS", "migrations to another CPU"},
      {"migrations", "perf::PERF_COUNT_SW_CPU_MIGRATIONS", "migrations to another CPU"},
  };
  return names;
}

const GenericName* find_generic_name(std::string_view name) {
  for (const GenericName& generic : generic_names())
    if (iequals(generic.name, name)) return &generic;
  return nullptr;
}

std::optional<std::string> preset_alias(std::string_view name) {
  if (iequals(name, "LL_MISSES") || iequals(name, "LLC_MISSES")) return std::string("PAPI_L3_TCM");
  return std::nullopt;
}

std::string SimulationRecipe::formula() const {
  if (estimated_cycles) return "estimated cycles: L1 + 5 LL + 35 RAM from Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw";
  return join(events, " + ");
}

CounterTraits traits_of_preset(std::string_view preset_symbol) {
  CounterTraits traits;
  const auto& table = preset_table();
  if (auto it = table.find(preset_symbol); it != table.end()) {
    traits.role = it->second.role;
    traits.simulation = it->second.simulation;
  }
  return traits;
}

CounterTraits traits_of_perf(const PerfIdentity& id) {
  CounterTraits traits;
  if (id.type == PERF_TYPE_HARDWARE) {
    switch (id.config) {
      case PERF_COUNT_HW_CPU_CYCLES: traits = {Role::cycles, cycles_recipe(), ""}; break;
      case PERF_COUNT_HW_INSTRUCTIONS: traits = {Role::instructions, sum({"Ir"}), ""}; break;
      case PERF_COUNT_HW_CACHE_REFERENCES: traits = {Role::none, sum({"I1mr", "D1mr", "D1mw"}), ""}; break;
      case PERF_COUNT_HW_CACHE_MISSES: traits = {Role::none, sum({"ILmr", "DLmr", "DLmw"}), ""}; break;
      case PERF_COUNT_HW_BRANCH_INSTRUCTIONS: traits = {Role::branches, sum({"Bc", "Bi"}), ""}; break;
      case PERF_COUNT_HW_BRANCH_MISSES: traits = {Role::branch_misses, sum({"Bcm", "Bim"}), ""}; break;
      default: break;
    }
  } else if (id.type == PERF_TYPE_HW_CACHE) {
    using C = std::uint64_t;
    const C l1d = PERF_COUNT_HW_CACHE_L1D, l1i = PERF_COUNT_HW_CACHE_L1I, ll = PERF_COUNT_HW_CACHE_LL;
    const C read = PERF_COUNT_HW_CACHE_OP_READ, write = PERF_COUNT_HW_CACHE_OP_WRITE;
    const C access = PERF_COUNT_HW_CACHE_RESULT_ACCESS, miss = PERF_COUNT_HW_CACHE_RESULT_MISS;
    if (id.config == cache_config(l1d, read, access)) traits = {Role::l1d_accesses, sum({"Dr"}), ""};
    else if (id.config == cache_config(l1d, read, miss)) traits = {Role::l1d_misses, sum({"D1mr"}), ""};
    else if (id.config == cache_config(l1d, write, access)) traits = {Role::none, sum({"Dw"}), ""};
    else if (id.config == cache_config(l1d, write, miss)) traits = {Role::none, sum({"D1mw"}), ""};
    else if (id.config == cache_config(l1i, read, miss)) traits = {Role::none, sum({"I1mr"}), ""};
    else if (id.config == cache_config(ll, read, access)) traits = {Role::none, sum({"I1mr", "D1mr"}), ""};
    else if (id.config == cache_config(ll, read, miss)) traits = {Role::none, sum({"ILmr", "DLmr"}), ""};
    else if (id.config == cache_config(ll, write, access)) traits = {Role::none, sum({"D1mw"}), ""};
    else if (id.config == cache_config(ll, write, miss)) traits = {Role::none, sum({"DLmw"}), ""};
  } else if (id.type == PERF_TYPE_SOFTWARE) {
    if (id.config == PERF_COUNT_SW_TASK_CLOCK || id.config == PERF_COUNT_SW_CPU_CLOCK) traits.unit = "ns";
  }
  return traits;
}

std::optional<std::string> perf_equivalent_of_preset(std::string_view preset_symbol) {
  const auto& table = preset_table();
  if (auto it = table.find(preset_symbol); it != table.end()) return it->second.perf_equivalent;
  return std::nullopt;
}

std::vector<std::string> simulatable_presets() {
  std::vector<std::string> out;
  for (const auto& [symbol, entry] : preset_table())
    if (entry.simulation) out.push_back(symbol);
  return out;
}

}  // namespace engram::counters::detail
