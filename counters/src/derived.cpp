// Derived metrics, computed after scaling: IPC, CPI, L1 MPKI, L1 miss ratio,
// branch mispredict ratio, branch MPKI. Each is empty, with the reason, when
// an input is missing; inputs from different runs are never mixed.
#include <sstream>

#include "counter_set_internal.hpp"
#include "pfm_catalog.hpp"
#include "text.hpp"

namespace engram::counters::detail {
namespace {

struct Definition {
  const char* name;
  Role numerator;
  Role denominator;
  double factor;
};

constexpr Definition kDefinitions[] = {
    {"IPC", Role::instructions, Role::cycles, 1.0},
    {"CPI", Role::cycles, Role::instructions, 1.0},
    {"L1_MPKI", Role::l1d_misses, Role::instructions, 1000.0},
    {"L1_MISS_RATIO", Role::l1d_misses, Role::l1d_accesses, 1.0},
    {"BR_MISP_RATIO", Role::branch_misses, Role::branches, 1.0},
    {"BR_MPKI", Role::branch_misses, Role::instructions, 1000.0},
};

std::string examples(Role role) {
  switch (role) {
    case Role::cycles: return "PAPI_TOT_CYC or cycles";
    case Role::instructions: return "PAPI_TOT_INS or instructions";
    case Role::l1d_misses: return "PAPI_L1_DCM or L1-dcache-load-misses";
    case Role::l1d_accesses: return "PAPI_L1_DCA or L1-dcache-loads";
    case Role::branch_misses: return "PAPI_BR_MSP or branch-misses";
    case Role::branches: return "PAPI_BR_INS or branches";
    case Role::loads: return "PAPI_LD_INS";
    case Role::stores: return "PAPI_SR_INS";
    case Role::none: return "";
  }
  return "";
}

int find_role(const DerivedInputs& in, Role role) {
  for (std::size_t i = 0; i < in.roles.size(); ++i)
    if (in.roles[i] == role) return static_cast<int>(i);
  return -1;
}

bool simulated_source(const CounterValue& c) { return c.backend == Backend::simulated; }

std::string missing_reason(const CounterValue& c) {
  return c.canonical + " has no value (" + to_string(c.status).data() + (c.reason.empty() ? "" : ": " + c.reason) + ")";
}

}  // namespace

std::vector<DerivedMetric> compute_derived(const DerivedInputs& in) {
  const std::vector<CounterValue>& counters = *in.counters;
  std::vector<DerivedMetric> out;
  for (const Definition& def : kDefinitions) {
    DerivedMetric metric;
    metric.name = def.name;
    const int a = find_role(in, def.numerator);
    int b = find_role(in, def.denominator);
    // L1 miss ratio falls back to loads + stores as the accesses.
    const int loads = find_role(in, Role::loads);
    const int stores = find_role(in, Role::stores);
    const bool use_load_store = def.denominator == Role::l1d_accesses && b < 0 && loads >= 0 && stores >= 0;

    const std::string a_name = a >= 0 ? counters[a].canonical : to_string(def.numerator).data();
    std::string b_name = b >= 0 ? counters[b].canonical : to_string(def.denominator).data();
    if (use_load_store) b_name = "(" + counters[loads].canonical + " + " + counters[stores].canonical + ")";
    metric.formula = a_name + " / " + b_name + (def.factor != 1.0 ? " * 1000" : "");

    if (a < 0) {
      metric.reason = "needs " + std::string(to_string(def.numerator)) + " (" + examples(def.numerator) + "): not requested";
      out.push_back(std::move(metric));
      continue;
    }
    if (b < 0 && !use_load_store) {
      metric.reason =
          "needs " + std::string(to_string(def.denominator)) + " (" + examples(def.denominator) + "): not requested";
      out.push_back(std::move(metric));
      continue;
    }
    std::vector<int> inputs = {a};
    if (use_load_store) {
      inputs.push_back(loads);
      inputs.push_back(stores);
    } else {
      inputs.push_back(b);
    }
    std::string missing;
    for (int i : inputs)
      if (!counters[i].value) missing += (missing.empty() ? "" : "; ") + missing_reason(counters[i]);
    if (!missing.empty()) {
      metric.reason = missing;
      out.push_back(std::move(metric));
      continue;
    }
    bool any_simulated = false, any_measured = false;
    for (int i : inputs) (simulated_source(counters[i]) ? any_simulated : any_measured) = true;
    if (any_simulated && any_measured) {
      metric.reason = "inputs come from different runs (simulated and measured): not comparable";
      out.push_back(std::move(metric));
      continue;
    }

    double numerator = *counters[a].value;
    double denominator = 0;
    if (use_load_store) {
      denominator = *counters[loads].value + *counters[stores].value;
    } else {
      denominator = *counters[b].value;
      if (in.pair_of) {
        if (auto pair = in.pair_of(a, b)) {
          numerator = pair->first;
          denominator = pair->second;
        } else if (counters[a].status == Status::multiplexed || counters[b].status == Status::multiplexed) {
          metric.reason = "caveat: inputs were multiplexed in different groups";
        }
      }
    }
    if (denominator == 0) {
      metric.reason = "denominator " + b_name + " is 0";
      out.push_back(std::move(metric));
      continue;
    }
    metric.value = numerator / denominator * def.factor;
    out.push_back(std::move(metric));
  }
  return out;
}

Role role_of_canonical(const std::string& canonical) {
  if (istarts_with(canonical, "PAPI_")) return traits_of_preset(to_upper(canonical)).role;
  if (auto event = pfm_encode(canonical)) return traits_of_perf({event->attr.type, event->attr.config}).role;
  return Role::none;
}

}  // namespace engram::counters::detail
