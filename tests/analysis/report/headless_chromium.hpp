#pragma once
// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on the child's fd 3, replies and events
// on its fd 4, each message JSON ended by a NUL byte). No network, no
// WebSocket, no Node: the test process itself opens pages, reads console
// errors, clicks, answers prompts and takes screenshots, as a user would see
// the page.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::test {

class HeadlessChromium {
 public:
  // The browser to use: $ENGRAM_CHROMIUM, else /usr/bin/chromium, else
  // chromium or chromium-browser on PATH; nothing when none is executable.
  // An ENGRAM_CHROMIUM that is set (not empty) but names no executable file
  // is a broken set-up, not a missing browser: throws std::runtime_error
  // saying what is wrong with it.
  static std::optional<std::filesystem::path> find();

  // Starts the browser with a fresh profile in `profile_dir` and opens one
  // page of `width` x `height` CSS pixels. Every wait is bounded by
  // `timeout`. Throws std::runtime_error (with the browser's log) on failure.
  HeadlessChromium(const std::filesystem::path& executable, const std::filesystem::path& profile_dir, int width,
                   int height, std::chrono::milliseconds timeout);
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Navigates and waits for the load event.
  void open(const std::string& url);
  // Runs `expression` in the page (promises awaited) and returns its value;
  // throws when it throws.
  nlohmann::json evaluate(const std::string& expression);
  // The same inside the page's first child frame (an iframe), through the
  // debugger: a sandboxed frame cannot be reached from the page's own scripts.
  nlohmann::json evaluate_in_frame(const std::string& expression);
  // A real mouse click (press + release) at page coordinates.
  void click(double x, double y);
  // The answer given to the next window.prompt() (dialogs are accepted).
  void answer_prompts_with(std::string text) { prompt_answer_ = std::move(text); }
  // Dialogs the page opened so far ("prompt: message").
  const std::vector<std::string>& dialogs() const { return dialogs_; }
  // Lets queued events arrive (e.g. console messages after a click).
  void settle(std::chrono::milliseconds duration);
  // PNG of the whole page (up to 16384 px high).
  void screenshot(const std::filesystem::path& png);

  // Everything that went wrong in the page so far: console.error/assert,
  // uncaught exceptions, error log entries (failed loads, CSP violations)
  // and failed network requests.
  const std::vector<std::string>& errors() const { return errors_; }
  const std::filesystem::path& log_file() const { return log_file_; }

 private:
  nlohmann::json command(const std::string& method, nlohmann::json params, bool in_page = true);
  void send(const nlohmann::json& message);
  // Reads messages until the reply to `id` (or, with id 0, until `until`
  // says stop or the deadline passes); events are handled on the way.
  std::optional<nlohmann::json> pump(int id, const std::function<bool()>& until,
                                     std::chrono::steady_clock::time_point deadline);
  void on_event(const nlohmann::json& message);
  std::string log_tail() const;
  void shut_down();

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::string session_;
  std::chrono::milliseconds timeout_;
  std::filesystem::path log_file_;
  std::vector<std::string> errors_;
  std::vector<std::string> dialogs_;
  std::string prompt_answer_;
  bool loaded_ = false;
  // The default execution context of each frame, in the order they were
  // made: the page's first, then its frames'.
  std::vector<std::pair<int, std::string>> contexts_;  // context id, frame id
};

std::vector<unsigned char> decode_base64(const std::string& text);

}  // namespace engram::test
