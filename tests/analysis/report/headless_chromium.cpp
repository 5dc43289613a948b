#include "headless_chromium.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace engram::test {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// A regular file (or a link to one) that may be run: not a folder, not a FIFO.
bool executable(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// Moves `fd` to a number above 10 so the dup2 onto 3 and 4 cannot clobber it.
int lift(int fd) {
  const int high = ::fcntl(fd, F_DUPFD, 10);
  ::close(fd);
  return high;
}

std::string describe_exception(const json& details) {
  std::string text = details.value("text", std::string("exception"));
  if (details.contains("exception")) {
    const json& ex = details["exception"];
    if (ex.contains("description")) {
      text += ": " + ex["description"].get<std::string>();
    } else if (ex.contains("value")) {
      text += ": " + ex["value"].dump();
    }
  }
  if (details.contains("url")) text += " (" + details["url"].get<std::string>().substr(0, 120) + ")";
  return text;
}

std::string console_text(const json& params) {
  std::string text;
  for (const auto& arg : params.value("args", json::array())) {
    if (!text.empty()) text += ' ';
    if (arg.contains("value")) {
      text += arg["value"].is_string() ? arg["value"].get<std::string>() : arg["value"].dump();
    } else {
      text += arg.value("description", arg.value("type", std::string("?")));
    }
  }
  return text;
}

}  // namespace

std::optional<fs::path> HeadlessChromium::find() {
  if (const char* env = std::getenv("ENGRAM_CHROMIUM"); env != nullptr && *env != '\0') {
    if (executable(env)) return fs::path(env);
    std::error_code ec;
    const fs::file_status status = fs::status(env, ec);
    const char* what = !fs::exists(status)          ? "no such file"
                       : fs::is_directory(status)   ? "is a directory"
                       : !fs::is_regular_file(status) ? "is not a regular file"
                                                      : "is not executable";
    throw std::runtime_error(std::string("ENGRAM_CHROMIUM=") + env + ": " + what +
                             " (unset it to use /usr/bin/chromium or chromium on PATH)");
  }
  if (executable("/usr/bin/chromium")) return fs::path("/usr/bin/chromium");
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      for (const char* name : {"chromium", "chromium-browser"}) {
        if (executable(fs::path(dir) / name)) return fs::path(dir) / name;
      }
    }
  }
  return std::nullopt;
}

HeadlessChromium::HeadlessChromium(const fs::path& exe, const fs::path& profile_dir, int width, int height,
                                   std::chrono::milliseconds timeout)
    : timeout_(timeout), log_file_(profile_dir / "chromium.log") {
  fs::create_directories(profile_dir);
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  const std::vector<std::string> args = {
      exe.string(),
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--disable-default-apps",
      "--mute-audio",
      "--hide-scrollbars",
      // A sandboxed frame stays in the page's process, where the page's
      // debugger session sees its script context (evaluate_in_frame); its
      // origin is still opaque, so the page and the frame cannot reach each
      // other, which the tests check.
      "--disable-features=IsolateSandboxedIframes",
      "--remote-debugging-pipe",
      "--user-data-dir=" + (profile_dir / "profile").string(),
      "--window-size=" + std::to_string(width) + "," + std::to_string(height),
      "about:blank"};
  const std::string log = log_file_.string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: the browser reads commands on fd 3 and writes on fd 4.
    ::close(to_child[1]);
    ::close(from_child[0]);
    const int in = lift(to_child[0]);
    const int out = lift(from_child[1]);
    ::dup2(in, 3);
    ::dup2(out, 4);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    for (int fd = 5; fd < 1024; ++fd) ::close(fd);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  to_browser_ = to_child[1];
  from_browser_ = from_child[0];
  ::fcntl(to_browser_, F_SETFD, FD_CLOEXEC);
  ::fcntl(from_browser_, F_SETFD, FD_CLOEXEC);
  // A closed pipe must be an error here, not a fatal signal.
  ::signal(SIGPIPE, SIG_IGN);

  try {
    const json target = command("Target.createTarget", {{"url", "about:blank"}}, false);
    const json attached = command(
        "Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}}, false);
    session_ = attached.at("sessionId").get<std::string>();
    for (const char* domain : {"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"}) {
      command(domain, json::object());
    }
    command("Emulation.setDeviceMetricsOverride",
            {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  } catch (...) {
    shut_down();
    throw;
  }
}

HeadlessChromium::~HeadlessChromium() { shut_down(); }

void HeadlessChromium::shut_down() {
  if (pid_ <= 0) return;
  if (to_browser_ >= 0) {
    try {
      send({{"id", next_id_++}, {"method", "Browser.close"}});
    } catch (const std::exception&) {
    }
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);  // our own child only
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  to_browser_ = from_browser_ = -1;
}

std::string HeadlessChromium::log_tail() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > 2000) s = "..." + s.substr(s.size() - 2000);
  return s;
}

void HeadlessChromium::send(const json& message) {
  std::string data = message.dump();
  data.push_back('\0');
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(to_browser_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("writing to chromium failed: ") + std::strerror(errno) + "\n" + log_tail());
    }
    done += static_cast<std::size_t>(n);
  }
}

json HeadlessChromium::command(const std::string& method, json params, bool in_page) {
  const int id = next_id_++;
  json message = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (in_page) message["sessionId"] = session_;
  send(message);
  const auto reply = pump(id, nullptr, Clock::now() + timeout_);
  if (!reply) throw std::runtime_error("chromium did not answer " + method + " in time\n" + log_tail());
  if (reply->contains("error")) throw std::runtime_error(method + " failed: " + (*reply)["error"].dump());
  return reply->value("result", json::object());
}

std::optional<json> HeadlessChromium::pump(int id, const std::function<bool()>& until, Clock::time_point deadline) {
  for (;;) {
    // Whole messages already buffered first.
    for (std::size_t end; (end = buffer_.find('\0')) != std::string::npos;) {
      json message = json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      if (message.is_discarded()) continue;
      if (message.contains("id")) {
        if (id != 0 && message["id"] == id) return message;
        continue;
      }
      on_event(message);
      if (until && until()) return std::nullopt;
    }
    if (id == 0 && until && until()) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd fd{from_browser_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left, 200)));
    if (ready < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    if (ready <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
    if (n == 0) throw std::runtime_error("chromium closed its DevTools pipe (it exited)\n" + log_tail());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("reading from chromium failed");
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void HeadlessChromium::on_event(const json& message) {
  const std::string method = message.value("method", "");
  const json params = message.value("params", json::object());
  if (method == "Runtime.consoleAPICalled") {
    const std::string type = params.value("type", "");
    if (type == "error" || type == "assert") errors_.push_back("console." + type + ": " + console_text(params));
  } else if (method == "Runtime.exceptionThrown") {
    errors_.push_back("uncaught " + describe_exception(params.value("exceptionDetails", json::object())));
  } else if (method == "Log.entryAdded") {
    const json entry = params.value("entry", json::object());
    if (entry.value("level", "") == "error") {
      errors_.push_back("log (" + entry.value("source", std::string("?")) + "): " + entry.value("text", std::string()) +
                        (entry.contains("url") ? " " + entry["url"].get<std::string>().substr(0, 120) : ""));
    }
  } else if (method == "Network.loadingFailed") {
    if (!params.value("canceled", false)) {
      errors_.push_back("failed request: " + params.value("errorText", std::string("?")) + " (" +
                        params.value("type", std::string("?")) + ")");
    }
  } else if (method == "Page.javascriptDialogOpening") {
    const std::string type = params.value("type", "");
    dialogs_.push_back(type + ": " + params.value("message", std::string()));
    json reply = {{"id", next_id_++},
                  {"method", "Page.handleJavaScriptDialog"},
                  {"params", {{"accept", true}, {"promptText", prompt_answer_}}},
                  {"sessionId", session_}};
    send(reply);
  } else if (method == "Page.loadEventFired") {
    loaded_ = true;
  } else if (method == "Runtime.executionContextCreated") {
    const json context = params.value("context", json::object());
    const json aux = context.value("auxData", json::object());
    if (aux.value("isDefault", false)) contexts_.emplace_back(context.value("id", 0), aux.value("frameId", std::string()));
  } else if (method == "Runtime.executionContextsCleared") {
    contexts_.clear();
  }
}

void HeadlessChromium::open(const std::string& url) {
  loaded_ = false;
  const json result = command("Page.navigate", {{"url", url}});
  if (result.contains("errorText") && !result["errorText"].get<std::string>().empty()) {
    throw std::runtime_error("cannot open " + url + ": " + result["errorText"].get<std::string>());
  }
  pump(0, [this] { return loaded_; }, Clock::now() + timeout_);
  if (!loaded_) throw std::runtime_error("no load event from " + url + " in time\n" + log_tail());
}

json HeadlessChromium::evaluate_in_frame(const std::string& expression) {
  settle(std::chrono::milliseconds(50));  // lets the frame's context announce itself
  if (contexts_.empty()) throw std::runtime_error("the page has no script context");
  const std::string page_frame = contexts_.front().second;
  for (const auto& [context, frame] : contexts_) {
    if (frame == page_frame) continue;
    const json result = command("Runtime.evaluate", {{"expression", expression},
                                                     {"contextId", context},
                                                     {"returnByValue", true},
                                                     {"awaitPromise", true}});
    if (result.contains("exceptionDetails")) {
      throw std::runtime_error("frame script failed: " + describe_exception(result["exceptionDetails"]));
    }
    return result.value("result", json::object()).value("value", json());
  }
  throw std::runtime_error("the page has no frame with a script context");
}

json HeadlessChromium::evaluate(const std::string& expression) {
  const json result = command("Runtime.evaluate",
                              {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (result.contains("exceptionDetails")) {
    throw std::runtime_error("page script failed: " + describe_exception(result["exceptionDetails"]));
  }
  return result.value("result", json::object()).value("value", json());
}

void HeadlessChromium::click(double x, double y) {
  for (const char* type : {"mousePressed", "mouseReleased"}) {
    command("Input.dispatchMouseEvent",
            {{"type", type}, {"x", x}, {"y", y}, {"button", "left"}, {"buttons", 1}, {"clickCount", 1}});
  }
}

void HeadlessChromium::settle(std::chrono::milliseconds duration) {
  // A round trip through the page flushes what it queued, then wait a bit.
  evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))");
  pump(0, [] { return false; }, Clock::now() + duration);
}

void HeadlessChromium::screenshot(const fs::path& png) {
  const json metrics = command("Page.getLayoutMetrics", json::object());
  const json size = metrics.value("cssContentSize", metrics.value("contentSize", json::object()));
  const double width = size.value("width", 1280.0);
  const double height = std::min(size.value("height", 800.0), 16384.0);
  const json shot = command("Page.captureScreenshot",
                            {{"format", "png"},
                             {"captureBeyondViewport", true},
                             {"clip", {{"x", 0}, {"y", 0}, {"width", width}, {"height", height}, {"scale", 1}}}});
  const auto bytes = decode_base64(shot.at("data").get<std::string>());
  fs::create_directories(png.parent_path());
  std::ofstream out(png, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + png.string());
}

std::vector<unsigned char> decode_base64(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<unsigned char> out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    const int v = value(c);
    if (v < 0) continue;  // padding and line breaks
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<unsigned char>((bits >> count) & 0xff));
    }
  }
  return out;
}

}  // namespace engram::test
