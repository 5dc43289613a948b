#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engram/profile/flamegraph.hpp"
#include "engram/io/format.hpp"
#include "engram/profile/hotspots.hpp"

namespace engram::profile {
namespace {

constexpr double kTruncatedStackWarnPercent = 10.0;
constexpr double kUnresolvedWarnPercent = 10.0;

double rounded(double percent) { return std::round(percent * 10000.0) / 10000.0; }

std::string percent2(double percent) { return fmt::format("{:.2f}%", percent); }

// A name as a Markdown code span inside a table cell.
std::string markdown_code(std::string_view name) {
  std::string text;
  for (char c : name) {
    if (c == '|') text += "\\|";
    else if (c == '\n' || c == '\r') text += ' ';
    else text += c;
  }
  const std::string fence = name.find('`') == std::string_view::npos ? "`" : "``";
  return fence + (fence.size() > 1 ? " " + text + " " : text) + fence;
}

std::string band_text(const std::optional<ShareBand>& band) {
  if (!band) return "-";
  return fmt::format("{:g}-{:g}%", band->low_percent, band->high_percent);
}

void add_table(std::string& md, const std::vector<FunctionCost>& rows) {
  md += "| # | Function | Samples | Share |\n|---:|---|---:|---:|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    md += fmt::format("| {} | {} | {} | {} |\n", i + 1, markdown_code(rows[i].name),
                      io::thousands(rows[i].samples), percent2(rows[i].percent));
  }
}

nlohmann::ordered_json cost_rows(const std::vector<FunctionCost>& rows) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    list.push_back({{"rank", i + 1},
                    {"function", rows[i].name},
                    {"samples", rows[i].samples},
                    {"percent", rounded(rows[i].percent)}});
  }
  return list;
}

nlohmann::ordered_json optional_int(const std::optional<int>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json optional_text(const std::string& value) {
  return value.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
}

// Names may hold bytes that are not UTF-8; JSON output must stay valid.
std::string json_dump(const nlohmann::ordered_json& json) {
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

HotspotReport make_hotspot_report(const StackTree& tree, ReportContext context) {
  HotspotReport report;
  report.hotspots = analyze_hotspots(tree, context.options);
  report.quality = assess_stack_quality(tree, context.options.first_frame_is_process);
  report.frameless_leaves = frameless_leaves(tree, context.frameless.frameless);
  report.kernel_frames =
      check_kernel_frames(context.settings, report.quality, context.kernel_frames_annotated);
  const Hotspots& hot = report.hotspots;
  const StackQuality& quality = report.quality;

  std::vector<std::string>& warnings = report.warnings;
  warnings = context.input_warnings;
  if (hot.total_samples < kLowSampleThreshold) {
    warnings.push_back(fmt::format(
        "only {} samples (fewer than {}): shares are coarse; profile longer or at a higher "
        "frequency",
        io::thousands(hot.total_samples), io::thousands(kLowSampleThreshold)));
  }
  if (hot.self_sum != hot.total_samples) {
    warnings.push_back(fmt::format("self times add up to {} samples, not the {} recorded",
                                   hot.self_sum, hot.total_samples));
  }
  if (quality.not_reaching_entry_percent() > kTruncatedStackWarnPercent) {
    warnings.push_back(fmt::format(
        "{} of user-space stacks reach neither main, _start nor a thread entry: stacks are cut "
        "short (frame pointers missing somewhere?); try perf record --call-graph dwarf",
        percent2(quality.not_reaching_entry_percent())));
  }
  if (quality.unresolved_frame_percent() > kUnresolvedWarnPercent) {
    warnings.push_back(fmt::format(
        "{} of frames are unresolved ([unknown] or a bare DSO name): symbols are missing or "
        "stacks are broken",
        percent2(quality.unresolved_frame_percent())));
  }
  if (context.frame_pointers.verdict == FramePointers::kNo ||
      context.frame_pointers.verdict == FramePointers::kPartial) {
    warnings.push_back("frame pointers: " +
                       std::string(frame_pointers_name(context.frame_pointers.verdict)) + " (" +
                       context.frame_pointers.detail + ")");
  }
  const double frameless_percent =
      hot.total_samples == 0 ? 0.0
                             : 100.0 * static_cast<double>(report.frameless_leaves.samples) /
                                   static_cast<double>(hot.total_samples);
  if (frameless_percent > kTruncatedStackWarnPercent) {
    warnings.push_back(fmt::format(
        "{} of samples land in functions that set up no frame pointer (e.g. {}): their callers are "
        "missing from those stacks, so callers' inclusive times and kernel families are too low; "
        "record with --call-graph dwarf to recover them",
        percent2(frameless_percent), report.frameless_leaves.functions.front().name));
  }
  if (report.kernel_frames.status == "missing" || report.kernel_frames.status == "unresolved") {
    warnings.push_back("kernel frames " + report.kernel_frames.status + ": " +
                       report.kernel_frames.explanation);
  }
  report.context = std::move(context);
  return report;
}

std::string hotspots_markdown(const HotspotReport& report) {
  const auto& ctx = report.context;
  const auto& hot = report.hotspots;
  const auto& q = report.quality;
  std::string md = "# Hotspots\n\n";
  md += fmt::format("- Profile: {} ({})\n", markdown_code(ctx.input), ctx.input_format);
  md += fmt::format("- Sampling event: {}\n", ctx.event.empty() ? "unknown" : ctx.event);
  md += fmt::format("- Samples: {}\n", io::thousands(hot.total_samples));
  if (!ctx.binary.empty()) md += fmt::format("- Binary: {}\n", markdown_code(ctx.binary));
  md += "\n";

  md += fmt::format("## Top {} functions by inclusive time\n\n", ctx.options.top_n);
  md += "Samples of the stacks that contain the function (once per stack, even under "
        "recursion).\n\n";
  add_table(md, hot.top_inclusive);
  md += fmt::format("\n## Top {} functions by self time\n\n", ctx.options.top_n);
  md += "Samples whose innermost frame is the function.\n\n";
  add_table(md, hot.top_self);
  md += fmt::format(
      "\nSelf time over all {} functions adds up to {} samples; the profile has {} samples ({}).\n",
      io::thousands(hot.function_count), io::thousands(hot.self_sum),
      io::thousands(hot.total_samples), hot.self_sum == hot.total_samples ? "equal" : "MISMATCH");

  md += "\n## Kernel families\n\n";
  md += "Rule: " + std::string(kFamilyRule) + ".\n\n";
  md += "| Family | Samples | Share | Expected | Verdict |\n|---|---:|---:|---:|---|\n";
  for (const auto& share : hot.families) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", share.family,
                      io::thousands(share.samples), percent2(share.percent),
                      band_text(share.band),
                      share.band ? std::string(verdict_name(share.verdict)) : "-");
  }
  md += "\nExpected bands are the seed's shares of compute time in the original system: "
        "expectations to check, not figures to reproduce.\n";

  md += "\n## Stack quality\n\n| Check | Result |\n|---|---|\n";
  md += fmt::format("| Samples | {} (event: {}){} |\n", io::thousands(hot.total_samples),
                    ctx.event.empty() ? "unknown" : ctx.event,
                    hot.total_samples < kLowSampleThreshold ? " - fewer than 1,000" : "");
  md += fmt::format("| Unresolved frames (`[unknown]` or a bare DSO) | {} of {} frames; {} of "
                    "samples have one |\n",
                    percent2(q.unresolved_frame_percent()), io::thousands(q.frames),
                    percent2(hot.total_samples ? 100.0 * static_cast<double>(q.samples_with_unresolved) /
                                                     static_cast<double>(hot.total_samples)
                                               : 0.0));
  md += fmt::format("| User stacks not reaching main, _start or a thread entry | {} ({} of {} "
                    "samples) |\n",
                    percent2(q.not_reaching_entry_percent()),
                    io::thousands(q.user_samples_not_reaching_entry),
                    io::thousands(q.user_samples));
  md += fmt::format("| Kernel-only stacks | {} samples |\n", io::thousands(q.kernel_only_samples));
  md += fmt::format("| Frame pointers in the binary | {}: {} |\n",
                    frame_pointers_name(ctx.frame_pointers.verdict),
                    ctx.frame_pointers.detail.empty() ? "no binary given"
                                                      : ctx.frame_pointers.detail);
  if (ctx.frameless.checked) {
    std::string names;
    for (const auto& f : report.frameless_leaves.functions) {
      names += (names.empty() ? "" : ", ") + markdown_code(f.name);
    }
    md += fmt::format("| Samples in functions without a frame pointer (their caller is lost) | {} "
                      "({} samples){}{} |\n",
                      percent2(hot.total_samples ? 100.0 * static_cast<double>(report.frameless_leaves.samples) /
                                                       static_cast<double>(hot.total_samples)
                                                 : 0.0),
                      io::thousands(report.frameless_leaves.samples), names.empty() ? "" : ": ",
                      names);
  } else {
    md += fmt::format("| Samples in functions without a frame pointer | not checked: {} |\n",
                      ctx.frameless.detail.empty() ? "no binary given" : ctx.frameless.detail);
  }
  md += fmt::format("| perf_event_paranoid | {} |\n",
                    ctx.settings.perf_event_paranoid
                        ? std::to_string(*ctx.settings.perf_event_paranoid)
                        : std::string("unreadable"));
  md += fmt::format("| kptr_restrict | {} |\n", ctx.settings.kptr_restrict
                                                   ? std::to_string(*ctx.settings.kptr_restrict)
                                                   : std::string("unreadable"));
  md += fmt::format("| Kernel frames | {}: {} |\n", report.kernel_frames.status,
                    report.kernel_frames.explanation);

  md += "\n## Warnings\n\n";
  if (report.warnings.empty()) md += "None.\n";
  for (const auto& warning : report.warnings) md += "- " + warning + "\n";
  return md;
}

std::string hotspots_json(const HotspotReport& report) {
  const auto& ctx = report.context;
  const auto& hot = report.hotspots;
  const auto& q = report.quality;
  nlohmann::ordered_json families = nlohmann::ordered_json::array();
  for (const auto& share : hot.families) {
    nlohmann::ordered_json band = nullptr;
    if (share.band) band = {share.band->low_percent, share.band->high_percent};
    families.push_back({{"family", share.family},
                        {"samples", share.samples},
                        {"percent", rounded(share.percent)},
                        {"expected_percent", band},
                        {"verdict", share.band ? nlohmann::ordered_json(verdict_name(share.verdict))
                                               : nlohmann::ordered_json(nullptr)}});
  }
  const double samples_with_unresolved_percent =
      hot.total_samples ? 100.0 * static_cast<double>(q.samples_with_unresolved) /
                              static_cast<double>(hot.total_samples)
                        : 0.0;
  nlohmann::ordered_json json = {
      {"schema", kHotspotsSchema},
      {"version", kHotspotsVersion},
      {"input", {{"path", ctx.input}, {"format", ctx.input_format}}},
      {"options", {{"top_n", ctx.options.top_n}, {"first_frame_is_process", ctx.options.first_frame_is_process}}},
      {"event", optional_text(ctx.event)},
      {"binary", optional_text(ctx.binary)},
      {"total_samples", hot.total_samples},
      {"functions", hot.function_count},
      {"self_samples_sum", hot.self_sum},
      {"self_sum_matches_total", hot.self_sum == hot.total_samples},
      {"top_inclusive", cost_rows(hot.top_inclusive)},
      {"top_self", cost_rows(hot.top_self)},
      {"families", {{"rule", kFamilyRule}, {"shares", families}}},
      {"diagnostics",
       {{"samples", hot.total_samples},
        {"event", optional_text(ctx.event)},
        {"low_sample_count", hot.total_samples < kLowSampleThreshold},
        {"unresolved_frames",
         {{"frames", q.unresolved_frames},
          {"of_frames", q.frames},
          {"percent", rounded(q.unresolved_frame_percent())},
          {"samples_with_unresolved", q.samples_with_unresolved},
          {"samples_percent", rounded(samples_with_unresolved_percent)}}},
        {"stacks_not_reaching_entry",
         {{"samples", q.user_samples_not_reaching_entry},
          {"of_user_samples", q.user_samples},
          {"percent", rounded(q.not_reaching_entry_percent())}}},
        {"kernel_only_samples", q.kernel_only_samples},
        {"frame_pointers",
         {{"binary", optional_text(ctx.binary)},
          {"verdict", frame_pointers_name(ctx.frame_pointers.verdict)},
          {"detail", ctx.frame_pointers.detail}}},
        {"frameless_leaves",
         {{"checked", ctx.frameless.checked},
          {"detail", ctx.frameless.detail},
          {"samples", report.frameless_leaves.samples},
          {"functions", cost_rows(report.frameless_leaves.functions)}}},
        {"perf_event_paranoid", optional_int(ctx.settings.perf_event_paranoid)},
        {"kptr_restrict", optional_int(ctx.settings.kptr_restrict)},
        {"root", ctx.settings.root},
        {"kernel_frames",
         {{"status", report.kernel_frames.status},
          {"annotated", ctx.kernel_frames_annotated},
          {"samples_with_kernel", q.samples_with_kernel},
          {"samples_with_unresolved_kernel", q.samples_with_unresolved_kernel},
          {"explanation", report.kernel_frames.explanation}}}}},
      {"warnings", report.warnings},
  };
  return json_dump(json);
}

namespace {

std::vector<FunctionCost> cost_rows_from_json(const io::JsonValue& list) {
  std::vector<FunctionCost> rows;
  for (const auto& item : list.elements()) {
    rows.push_back({item.at("function").string(), item.at("samples").count(), item.at("percent").in_range(0, 100)});
  }
  return rows;
}

// A small setting (perf_event_paranoid -1..4, kptr_restrict 0..2): bounded
// well beyond its known values so the int cast is always defined.
std::optional<int> optional_int_from_json(const io::JsonValue& object, std::string_view key) {
  const auto value = object.find(key);
  if (!value) return std::nullopt;
  return static_cast<int>(value->whole(-1000, 1000));
}

std::string optional_text_from_json(const io::JsonValue& object, std::string_view key) {
  return object.optional_string(key).value_or("");
}

}  // namespace

HotspotReport hotspots_from_json(const io::JsonValue& root) {
  if (!root.is_object()) root.fail("expected a JSON object (hotspots.json of build/analysis/hotspots)");
  io::check_schema(root, kHotspotsSchema, kHotspotsVersion);
  HotspotReport report;
  ReportContext& ctx = report.context;
  const io::JsonValue input = root.at("input");
  ctx.input = input.at("path").string();
  ctx.input_format = input.at("format").string();
  const io::JsonValue options = root.at("options");
  ctx.options.top_n = options.at("top_n").count();
  ctx.options.first_frame_is_process = options.at("first_frame_is_process").boolean();
  ctx.event = optional_text_from_json(root, "event");
  ctx.binary = optional_text_from_json(root, "binary");

  Hotspots& hot = report.hotspots;
  hot.total_samples = root.at("total_samples").count();
  hot.function_count = root.at("functions").count();
  hot.self_sum = root.at("self_samples_sum").count();
  hot.top_inclusive = cost_rows_from_json(root.at("top_inclusive"));
  hot.top_self = cost_rows_from_json(root.at("top_self"));
  static constexpr BandVerdict kVerdicts[] = {BandVerdict::kBelow, BandVerdict::kInside, BandVerdict::kAbove};
  for (const auto& item : root.at("families").at("shares").elements()) {
    FamilyShare share;
    share.family = item.at("family").string();
    share.samples = item.at("samples").count();
    share.percent = item.at("percent").in_range(0, 100);
    if (const auto band = item.find("expected_percent")) {
      const auto bounds = band->elements();
      if (bounds.size() != 2 || bounds[0].in_range(0, 100) > bounds[1].in_range(0, 100)) {
        band->fail("expected [low, high]");
      }
      share.band = ShareBand{bounds[0].number(), bounds[1].number()};
      share.verdict = io::enum_from_names(item.at("verdict"), kVerdicts, verdict_name, "verdict");
    } else if (item.optional_string("verdict")) {
      item.at("verdict").fail("a verdict without an expected band");
    }
    hot.families.push_back(std::move(share));
  }

  const io::JsonValue diag = root.at("diagnostics");
  StackQuality& q = report.quality;
  q.samples = diag.at("samples").count();
  const io::JsonValue unresolved = diag.at("unresolved_frames");
  q.unresolved_frames = unresolved.at("frames").count();
  q.frames = unresolved.at("of_frames").count();
  q.samples_with_unresolved = unresolved.at("samples_with_unresolved").count();
  const io::JsonValue entry = diag.at("stacks_not_reaching_entry");
  q.user_samples_not_reaching_entry = entry.at("samples").count();
  q.user_samples = entry.at("of_user_samples").count();
  q.kernel_only_samples = diag.at("kernel_only_samples").count();
  const io::JsonValue fp = diag.at("frame_pointers");
  static constexpr FramePointers kFramePointers[] = {FramePointers::kYes, FramePointers::kNo, FramePointers::kPartial,
                                                     FramePointers::kUnknown};
  ctx.frame_pointers.verdict =
      io::enum_from_names(fp.at("verdict"), kFramePointers, frame_pointers_name, "frame-pointer verdict");
  ctx.frame_pointers.detail = fp.at("detail").string();
  const io::JsonValue frameless = diag.at("frameless_leaves");
  // The binary's whole list of frameless functions is not in the file, only
  // the sampled leaves among them.
  ctx.frameless.checked = frameless.at("checked").boolean();
  ctx.frameless.detail = frameless.at("detail").string();
  report.frameless_leaves.samples = frameless.at("samples").count();
  report.frameless_leaves.functions = cost_rows_from_json(frameless.at("functions"));
  ctx.settings.perf_event_paranoid = optional_int_from_json(diag, "perf_event_paranoid");
  ctx.settings.kptr_restrict = optional_int_from_json(diag, "kptr_restrict");
  ctx.settings.root = diag.at("root").boolean();
  const io::JsonValue kernel = diag.at("kernel_frames");
  report.kernel_frames.status = kernel.at("status").string();
  report.kernel_frames.explanation = kernel.at("explanation").string();
  ctx.kernel_frames_annotated = kernel.at("annotated").boolean();
  q.samples_with_kernel = kernel.at("samples_with_kernel").count();
  q.samples_with_unresolved_kernel = kernel.at("samples_with_unresolved_kernel").count();
  // The parse warnings are part of these (make_hotspot_report merged them).
  for (const auto& w : root.at("warnings").elements()) report.warnings.push_back(w.string());
  return report;
}

std::string hotspots_console_table(const HotspotReport& report) {
  std::string out;
  auto table = [&](std::string_view heading, const std::vector<FunctionCost>& rows) {
    out += fmt::format("{}\n", heading);
    out += fmt::format("{:>3}  {:>8}  {:>12}  {}\n", "#", "share", "samples", "function");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      out += fmt::format("{:>3}  {:>8}  {:>12}  {}\n", i + 1, percent2(rows[i].percent),
                         io::thousands(rows[i].samples), rows[i].name);
    }
  };
  table(fmt::format("Top {} functions by inclusive time ({} samples):",
                    report.context.options.top_n, io::thousands(report.hotspots.total_samples)),
        report.hotspots.top_inclusive);
  out += "\n";
  table(fmt::format("Top {} functions by self time:", report.context.options.top_n),
        report.hotspots.top_self);
  out += "\nKernel families:";
  for (const auto& share : report.hotspots.families) {
    out += fmt::format(" {} {}{}", share.family, percent2(share.percent),
                       share.band ? fmt::format(" ({} {})", verdict_name(share.verdict),
                                                band_text(share.band))
                                  : "");
    out += share.family == kOtherFamily ? "\n" : ";";
  }
  return out;
}

}  // namespace engram::profile
