// The workload manifest: its JSON round trip and refusals, the work each
// kernel benchmark is measured to do per iteration against counts worked out
// by hand, and baseline writing it into its JSON context.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engram/bench_suite.hpp"
#include "engram/io/errors.hpp"
#include "engram/workload_manifest.hpp"
#include "engram/workload_models.hpp"
#include "program_test.hpp"

namespace engram::bench {
namespace {

WorkloadManifest two_entries() {
  WorkloadManifest m;
  WorkloadEntry a;
  a.name = "spreading_activation_10k/optimized";
  a.kernel = "spreading_activation_10k";
  a.variant = "optimized";
  a.family = "activation spreading";
  a.flops_per_iteration = 68'508;
  a.bytes_read_per_iteration = 409'172;
  a.bytes_written_per_iteration = 135'140;
  a.work_measured_on = "optimized";
  a.working_set_bytes = 480'000;
  a.passes = 100;
  a.access = "gather";
  a.expected_share_percent = std::array<double, 2>{20, 30};
  WorkloadEntry b;
  b.name = "counter_overhead/find_similar_10k/counted";
  b.kernel = "counter_overhead/find_similar_10k";
  b.variant = "counted";
  b.family = "";
  b.flops_per_iteration = 1.5e7;
  b.bytes_read_per_iteration = 3.076e7;
  b.bytes_written_per_iteration = 4e4;
  b.work_measured_on = "counted";
  b.working_set_bytes = 3.076e7;
  b.passes = 1;
  b.access = "stream";
  m.benchmarks = {a, b};
  return m;
}

TEST(WorkloadManifest, RoundTripsThroughJsonText) {
  const WorkloadManifest m = two_entries();
  const nlohmann::json j = to_json(m);
  EXPECT_EQ(j.at("schema"), "engram-workload");
  EXPECT_EQ(j.at("version"), 1);
  EXPECT_TRUE(j.at("benchmarks").at(1).at("expected_share_percent").is_null());
  const WorkloadManifest back = workload_manifest_from_json(j.dump(), "test");
  EXPECT_EQ(back, m);
  ASSERT_NE(back.find("counter_overhead/find_similar_10k/counted"), nullptr);
  EXPECT_EQ(back.find("no/such"), nullptr);
}

std::string error_of(const nlohmann::json& j) {
  try {
    workload_manifest_from_json(j.dump(), "m.json");
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(WorkloadManifest, RefusesAnotherVersionOrSchema) {
  nlohmann::json j = to_json(two_entries());
  j["version"] = 2;
  const std::string newer = error_of(j);
  EXPECT_NE(newer.find("m.json: /version"), std::string::npos) << newer;
  EXPECT_NE(newer.find("version 2"), std::string::npos) << newer;
  j["version"] = 1;
  j["schema"] = "engram-ceilings";
  const std::string other = error_of(j);
  EXPECT_NE(other.find("/schema"), std::string::npos) << other;
  EXPECT_NE(other.find("engram-workload"), std::string::npos) << other;
}

TEST(WorkloadManifest, ErrorsNameTheJsonPointer) {
  nlohmann::json j = to_json(two_entries());
  j["benchmarks"][1].erase("passes");
  EXPECT_NE(error_of(j).find("/benchmarks/1"), std::string::npos) << error_of(j);
  j = to_json(two_entries());
  j["benchmarks"][0]["access"] = "random";
  EXPECT_NE(error_of(j).find("/benchmarks/0/access"), std::string::npos) << error_of(j);
  j = to_json(two_entries());
  j["benchmarks"][0]["flops_per_iteration"] = "many";
  EXPECT_NE(error_of(j).find("/benchmarks/0/flops_per_iteration"), std::string::npos) << error_of(j);
  j = to_json(two_entries());
  j["benchmarks"][1]["name"] = j["benchmarks"][0]["name"];
  EXPECT_NE(error_of(j).find("twice"), std::string::npos) << error_of(j);
  j = to_json(two_entries());
  j["benchmarks"][0]["expected_share_percent"] = {30, 20};
  EXPECT_NE(error_of(j).find("/benchmarks/0/expected_share_percent"), std::string::npos) << error_of(j);
}

std::map<std::string, WorkloadEntry> entries_of(const std::string& kernel) {
  const KernelBenchmark b = make_kernel_benchmark(kernel, {});
  std::map<std::string, WorkloadEntry> out;
  for (auto& e : workload_entries(b, [](const std::string&) { return true; })) out[e.variant] = e;
  EXPECT_EQ(out.size(), b.variants.size());
  return out;
}

// Worked out by hand from the KERNELS.md work models, per benchmark iteration.
TEST(WorkloadMeasure, SimilarityWorkMatchesHandCounts) {
  for (const auto& [kernel, n] : {std::pair<std::string, double>{"vector_similarity_1000", 1'000},
                                  std::pair<std::string, double>{"find_similar_10k", 10'000}}) {
    auto e = entries_of(kernel);
    // Reference: dot and the row's norm over 768 floats (two sums), plus the
    // query norm in find_similar's exact_cosine (three): 2 * sums * 768 * n.
    const double sums = kernel == "find_similar_10k" ? 3 : 2;
    EXPECT_EQ(e["reference"].flops_per_iteration, 2 * sums * 768 * n) << kernel;
    EXPECT_EQ(e["reference"].bytes_read_per_iteration, 4 * 768 * n) << kernel;
    EXPECT_EQ(e["reference"].bytes_written_per_iteration, 4 * n) << kernel;
    // Optimized: the dot over 768 floats (no padding), the stored norm read.
    EXPECT_EQ(e["optimized"].flops_per_iteration, 2 * 768 * n) << kernel;
    EXPECT_EQ(e["optimized"].bytes_read_per_iteration, (4 * 768 + 4) * n) << kernel;
    EXPECT_EQ(e["openblas"].flops_per_iteration, 2 * 768 * n) << kernel;
    EXPECT_EQ(e["openblas"].work_measured_on, "optimized");
    EXPECT_EQ(e["optimized"].working_set_bytes, 4 * 768 * n + 4 * n) << kernel;  // the reference's pass
    EXPECT_EQ(e["optimized"].family, "vector similarity");
    EXPECT_EQ(e["optimized"].access, "stream");
    EXPECT_EQ(e["optimized"].passes, 1);
    EXPECT_EQ(e["optimized"].expected_share_percent, (std::array<double, 2>{15, 25}));
  }
}

TEST(WorkloadMeasure, SpreadingWorkMatchesHandCounts) {
  for (const auto& [kernel, nodes, edges] : {std::tuple<std::string, double, double>{"spreading_activation_1000", 1e3, 5e3},
                                             std::tuple<std::string, double, double>{"spreading_activation_10k", 1e4, 5e4}}) {
    auto e = entries_of(kernel);
    // The reference: 100 iterations, every edge (2 FLOPs, 8 bytes) and every
    // node (4 bytes read, 4 written) in each.
    EXPECT_EQ(e["reference"].flops_per_iteration, 100 * 2 * edges) << kernel;
    EXPECT_EQ(e["reference"].bytes_read_per_iteration, 100 * (8 * edges + 4 * nodes)) << kernel;
    EXPECT_EQ(e["reference"].bytes_written_per_iteration, 100 * 4 * nodes) << kernel;
    EXPECT_EQ(e["reference"].working_set_bytes, 8 * edges + 8 * nodes) << kernel;
    EXPECT_EQ(e["reference"].passes, 100);
    EXPECT_EQ(e["reference"].access, "gather");
    // The peer does the reference's work; the optimized kernel less, and its
    // own counts hang together (2 FLOPs and 8 bytes per edge, 4 + 4 per node).
    EXPECT_EQ(e["eigen"].flops_per_iteration, e["reference"].flops_per_iteration);
    const auto& o = e["optimized"];
    EXPECT_GT(o.flops_per_iteration, 0);
    EXPECT_LT(o.flops_per_iteration, e["reference"].flops_per_iteration) << kernel;
    EXPECT_EQ(o.bytes_read_per_iteration, 4 * o.flops_per_iteration + o.bytes_written_per_iteration) << kernel;
    EXPECT_EQ(o.expected_share_percent, (std::array<double, 2>{20, 30}));
  }
}

TEST(WorkloadMeasure, DecayAndOverheadWorkMatchHandCounts) {
  auto e = entries_of("decay_10k_memories/exponential");
  // 10,000 memories: 5 FLOPs (exp + 4), 16 bytes read, 4 written each.
  for (const char* v : {"reference", "optimized", "eigen", "sleef"}) {
    EXPECT_EQ(e[v].flops_per_iteration, 50'000) << v;
    EXPECT_EQ(e[v].bytes_read_per_iteration, 160'000) << v;
    EXPECT_EQ(e[v].bytes_written_per_iteration, 40'000) << v;
    EXPECT_EQ(e[v].expected_share_percent, (std::array<double, 2>{10, 15})) << v;
  }
  EXPECT_EQ(e["sleef"].work_measured_on, "reference");
  EXPECT_EQ(entries_of("decay_10k_memories/power_law")["optimized"].flops_per_iteration, 60'000);
  // Counting around the call changes no work; no family, no band.
  auto o = entries_of("counter_overhead/find_similar_10k");
  EXPECT_EQ(o["counted"].flops_per_iteration, 2.0 * 768 * 10'000);
  EXPECT_EQ(o["counted"].family, "");
  EXPECT_FALSE(o["counted"].expected_share_percent);
}

TEST(WorkloadMeasure, OnlyWantedBenchmarksGetEntries) {
  const KernelBenchmark b = make_kernel_benchmark("decay_10k_memories/exponential", {});
  const auto entries =
      workload_entries(b, [](const std::string& name) { return name == "decay_10k_memories/exponential/sleef"; });
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "decay_10k_memories/exponential/sleef");
}

class WorkloadManifestProgram : public bench_test::ProgramTest {};

TEST_F(WorkloadManifestProgram, BaselineWritesTheManifestIntoItsContext) {
  const auto run = run_program(std::string(ENGRAM_BASELINE) +
                               " --benchmark_filter=decay_10k_memories/power_law/optimized --benchmark_min_time=0.01"
                               " --benchmark_format=json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json out = nlohmann::json::parse(run.out);
  ASSERT_TRUE(out.at("context").contains("engram.workload")) << out.at("context").dump();
  const WorkloadManifest m =
      workload_manifest_from_json(out.at("context").at("engram.workload").get<std::string>(), "context");
  ASSERT_EQ(m.benchmarks.size(), 1u);  // only what the filter selected
  const WorkloadEntry& e = m.benchmarks[0];
  EXPECT_EQ(e.name, out.at("benchmarks").at(0).at("run_name").get<std::string>());
  EXPECT_EQ(e.kernel, "decay_10k_memories/power_law");
  EXPECT_EQ(e.variant, "optimized");
  EXPECT_EQ(e.flops_per_iteration, 60'000);  // 10,000 memories x (4 + log + exp)
  EXPECT_EQ(e.family, "memory decay");
}

}  // namespace
}  // namespace engram::bench
