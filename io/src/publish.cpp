#include "engram/io/publish.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/io/safe_write.hpp"

namespace engram::io {
namespace {

std::string hex64(std::uint64_t value) { return fmt::format("{:016x}", value); }

// A staged file must be the one the job wrote: a regular file, not a link
// someone put in the scratch folder in its place.
std::string read_staged(const std::filesystem::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) throw InputError(path.string(), 0, "the staged file is missing");
  if (!S_ISREG(status.st_mode)) throw InputError(path.string(), 0, "the staged file is not a regular file");
  if (status.st_size == 0) return {};
  return read_input_file(path, "staged output");
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void publish_staged(const std::vector<StagedFile>& files, const std::filesystem::path& manifest,
                    const std::string& run) {
  OutputSet outputs;
  nlohmann::json listed = nlohmann::json::array();
  for (const StagedFile& file : files) {
    const std::string content = read_staged(file.staged);
    outputs.add(file.destination, content);
    listed.push_back({{"path", file.destination.string()},
                      {"bytes", content.size()},
                      {"fnv1a64", hex64(fnv1a64(content))}});
  }
  if (!manifest.empty()) {
    const nlohmann::json doc = {
        {"schema", kOutputsSchema}, {"version", kOutputsVersion}, {"run", run}, {"files", listed}};
    outputs.add(manifest, doc.dump(2) + "\n");
  }
  outputs.commit();
}

std::vector<std::string> verify_published(const std::filesystem::path& manifest, const std::string& run) {
  const JsonValue root = read_json_file(manifest, "outputs manifest");
  check_schema(root, kOutputsSchema, kOutputsVersion);
  std::vector<std::string> differences;
  if (const std::string listed_run = root.at("run").string(); !run.empty() && listed_run != run) {
    differences.push_back(manifest.string() + ": lists run '" + listed_run + "', not '" + run + "'");
  }
  for (const JsonValue& entry : root.at("files").elements()) {
    const std::string path = entry.at("path").string();
    const std::uint64_t bytes = entry.at("bytes").count();
    const std::string hash = entry.at("fnv1a64").string();
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
      differences.push_back(path + ": missing");
      continue;
    }
    const std::string content = status.st_size == 0 ? std::string() : read_input_file(path, "published output");
    if (content.size() != bytes || hex64(fnv1a64(content)) != hash) {
      differences.push_back(path + ": not the file of this set (another run's, or changed since)");
    }
  }
  return differences;
}

}  // namespace engram::io
