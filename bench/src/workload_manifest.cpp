// The workload manifest's one writer and one reader (schema in
// engram/workload_manifest.hpp).
#include "engram/workload_manifest.hpp"

#include <set>

namespace engram::bench {

const WorkloadEntry* WorkloadManifest::find(std::string_view name) const {
  for (const WorkloadEntry& e : benchmarks) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

nlohmann::json to_json(const WorkloadManifest& manifest) {
  nlohmann::json benchmarks = nlohmann::json::array();
  for (const WorkloadEntry& e : manifest.benchmarks) {
    nlohmann::json band = nullptr;
    if (e.expected_share_percent) band = {(*e.expected_share_percent)[0], (*e.expected_share_percent)[1]};
    benchmarks.push_back({{"name", e.name},
                          {"kernel", e.kernel},
                          {"variant", e.variant},
                          {"family", e.family},
                          {"flops_per_iteration", e.flops_per_iteration},
                          {"bytes_read_per_iteration", e.bytes_read_per_iteration},
                          {"bytes_written_per_iteration", e.bytes_written_per_iteration},
                          {"work_measured_on", e.work_measured_on},
                          {"working_set_bytes", e.working_set_bytes},
                          {"passes", e.passes},
                          {"access", e.access},
                          {"expected_share_percent", std::move(band)}});
  }
  return {{"schema", kWorkloadSchema}, {"version", kWorkloadVersion}, {"benchmarks", std::move(benchmarks)}};
}

WorkloadManifest workload_manifest_from_json(const io::JsonValue& root) {
  io::check_schema(root, kWorkloadSchema, kWorkloadVersion);
  WorkloadManifest manifest;
  std::set<std::string> names;
  for (const io::JsonValue& b : root.at("benchmarks").elements()) {
    WorkloadEntry e;
    e.name = b.at("name").string();
    if (!names.insert(e.name).second) b.at("name").fail("\"" + e.name + "\" appears twice");
    e.kernel = b.at("kernel").string();
    e.variant = b.at("variant").string();
    e.family = b.at("family").string();
    e.flops_per_iteration = b.at("flops_per_iteration").non_negative();
    e.bytes_read_per_iteration = b.at("bytes_read_per_iteration").non_negative();
    e.bytes_written_per_iteration = b.at("bytes_written_per_iteration").non_negative();
    e.work_measured_on = b.at("work_measured_on").string();
    e.working_set_bytes = b.at("working_set_bytes").non_negative();
    const io::JsonValue passes = b.at("passes");
    e.passes = passes.number();
    if (!(e.passes >= 1)) passes.fail("must be at least 1");
    const io::JsonValue access = b.at("access");
    e.access = access.string();
    if (e.access != "stream" && e.access != "gather") {
      access.fail("\"" + e.access + "\" is not an access pattern (\"stream\" or \"gather\")");
    }
    if (const auto band = b.find("expected_share_percent")) {
      const std::vector<io::JsonValue> bounds = band->elements();
      if (bounds.size() != 2) band->fail("expected [low, high]");
      const double low = bounds[0].number(), high = bounds[1].number();
      if (!(0 <= low && low <= high && high <= 100)) band->fail("expected 0 <= low <= high <= 100");
      e.expected_share_percent = std::array<double, 2>{low, high};
    }
    manifest.benchmarks.push_back(std::move(e));
  }
  return manifest;
}

WorkloadManifest workload_manifest_from_json(std::string_view text, const std::string& source) {
  return workload_manifest_from_json(io::parse_json_text(text, source));
}

}  // namespace engram::bench
