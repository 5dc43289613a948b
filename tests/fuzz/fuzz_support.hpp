#pragma once
// What every harness checks: a parser given any bytes either returns or
// refuses them with the one error type its callers turn into "bad input"
// (exit code 2), and that refusal names the input. Any other exception
// escapes the harness, and libFuzzer reports it as a crash, as it does every
// ASan or UBSan report: a tool would have said "failure" (exit 1) without the
// file and the place, or worse.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace engram::fuzz {

// The name every harness gives its input; refusals must carry it.
inline constexpr const char* kSource = "fuzz-input";

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void fail(const std::string& why) {
  std::fprintf(stderr, "fuzz: %s\n", why.c_str());
  std::abort();
}

// Runs `parse`; a `Refusal` is the parser's documented answer to bad input,
// provided its message names the input.
template <typename Refusal, typename Parse>
void parse_or_refuse(Parse&& parse) {
  try {
    parse();
  } catch (const Refusal& refusal) {
    if (std::string_view(refusal.what()).find(kSource) == std::string_view::npos)
      fail(std::string("a refusal that does not name its input: ") + refusal.what());
  }
}

}  // namespace engram::fuzz
