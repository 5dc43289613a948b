// The report and the flame graph as a user sees them: rendered by headless
// Chromium, with no console error, no missing image, a live flame graph
// (click to zoom, search reporting "Matched: P%"), and screenshots kept in
// <build>/tmp/report-browser/ for a look by eye.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "headless_chromium.hpp"
#include "report_test_support.hpp"
#include "required_tool.hpp"

namespace engram::test {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr auto kTimeout = std::chrono::seconds(20);

std::string file_url(const fs::path& path) { return "file://" + fs::absolute(path).string(); }

bool is_png(const fs::path& path) {
  const std::string bytes = read_text(path);
  return bytes.size() > 1000 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

class BrowserCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      executable_ = HeadlessChromium::find();
    } catch (const std::runtime_error& broken) {
      FAIL() << broken.what();  // set on purpose, so never a skip
    }
    if (!executable_) {
      ENGRAM_SKIP_WITHOUT_TOOL("chromium is not installed: the browser checks need the Debian package chromium "
                               "(scripts/bootstrap.sh installs it), or ENGRAM_CHROMIUM=/path/to/chromium");
    }
    out_ = fs::path(ENGRAM_REPORT_SCREENSHOTS);
    fs::create_directories(out_);
  }
  HeadlessChromium start(int width, int height) {
    return HeadlessChromium(*executable_, scratch_ / "chromium", width, height, kTimeout);
  }
  // What the page shows: images (and whether each decoded), the frames and
  // their flame graphs, the section headings.
  static json inspect(HeadlessChromium& browser) {
    return browser.evaluate(R"JS((async () => {
      const images = Array.from(document.images);
      await Promise.all(images.map(i => i.decode().catch(() => null)));
      return {
        images: images.length,
        broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src.slice(0, 60)),
        frames: Array.from(document.querySelectorAll('iframe')).map(f => ({
          title: f.title,
          sandbox: f.getAttribute('sandbox'),
          reachable: f.contentDocument !== null,  // same origin: the page and the frame could reach each other
          height: f.getBoundingClientRect().height})),
        headings: Array.from(document.querySelectorAll('h2')).map(h => h.textContent)
      };
    })())JS");
  }

  std::optional<fs::path> executable_;
  fs::path out_;
  ScratchDir scratch_;
};

TEST_F(BrowserCheck, ReportHtmlShowsEverySectionWithoutErrorsOrMissingImages) {
  const fs::path html = out_ / "report.html";
  report::write_report(fixture_inputs(scratch_.path()), fixture_options(), scratch_ / "profiling_results.md", html);
  auto browser = start(1280, 900);
  browser.open(file_url(html));
  const json page = inspect(browser);
  EXPECT_EQ(page["images"], 2) << page.dump();  // roofline and stability plots
  EXPECT_THAT(page["broken"].get<std::vector<std::string>>(), IsEmpty());
  ASSERT_EQ(page["frames"].size(), 1u) << page.dump();
  EXPECT_EQ(page["frames"][0]["sandbox"], "allow-scripts allow-modals");
  EXPECT_FALSE(page["frames"][0]["reachable"]) << "the flame graph's frame shares the report's origin";
  EXPECT_GT(page["frames"][0]["height"].get<double>(), 100);
  // Inside the frame: the report's own viewer ran, and the page is out of its reach.
  const json frame = browser.evaluate_in_frame(R"JS(({
      svg: !!document.querySelector('svg'),
      flames: document.querySelectorAll('#frames g').length,
      viewer: !!window.engramFlameGraph,
      parent: (() => { try { return parent.document.title; } catch (e) { return 'unreachable'; } })()}))JS");
  EXPECT_TRUE(frame["svg"]) << frame.dump();
  EXPECT_GT(frame["flames"].get<int>(), 5);
  EXPECT_TRUE(frame["viewer"]) << "the flame graph's script did not run inside the report";
  EXPECT_EQ(frame["parent"], "unreachable");
  EXPECT_THAT(page["headings"].get<std::vector<std::string>>(),
              ElementsAre("System configuration", "Flame graph analysis", "Benchmarks", "Counters", "Roofline",
                          "Stability", "Optimization candidates"));
  // The embedded flame graph still searches: cosine_batch has 800 of 4000 samples.
  EXPECT_DOUBLE_EQ(browser.evaluate_in_frame("engramFlameGraph.search('cosine_batch')").get<double>(), 20.0);
  browser.settle(std::chrono::milliseconds(200));
  browser.screenshot(out_ / "report.png");
  EXPECT_TRUE(is_png(out_ / "report.png"));
  EXPECT_THAT(browser.errors(), IsEmpty());
}

TEST_F(BrowserCheck, FlameGraphZoomsOnClickAndSearchReportsTheMatchedShare) {
  const fs::path svg = write_fixture_flamegraph(out_ / "flamegraph.svg");
  auto browser = start(1280, 500);
  browser.open(file_url(svg));
  EXPECT_THAT(browser.errors(), IsEmpty());

  // Where the spreading frame is drawn, and what full width means.
  const json target = browser.evaluate(R"JS((() => {
    const g = Array.from(document.querySelectorAll('#frames g')).find(
        g => g.querySelector('title').textContent.startsWith('engram::optimized::N_AVX2::spread_activation ('));
    const box = g.querySelector('rect').getBoundingClientRect();
    return {x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width,
            full: cfg.width - 2 * cfg.xpad,
            unzoomHidden: document.getElementById('unzoom').classList.contains('hide')};
  })())JS");
  ASSERT_TRUE(target.is_object()) << "no spread_activation frame in the flame graph";
  EXPECT_TRUE(target["unzoomHidden"]);
  EXPECT_LT(target["width"].get<double>(), target["full"].get<double>() / 2);

  browser.click(target["x"].get<double>(), target["y"].get<double>());
  browser.settle(std::chrono::milliseconds(100));
  const json zoomed = browser.evaluate(R"JS((() => {
    const frames = Array.from(document.querySelectorAll('#frames g'));
    const find = name => frames.find(g => g.querySelector('title').textContent.startsWith(name + ' ('));
    const spread = find('engram::optimized::N_AVX2::spread_activation');
    const child = find('engram::MemoryGraph::out_edges');
    return {width: Number(spread.querySelector('rect').getAttribute('width')),
            childWidth: Number(child.querySelector('rect').getAttribute('width')),
            cosineHidden: find('engram::optimized::N_AVX2::cosine_batch').classList.contains('hide'),
            unzoomHidden: document.getElementById('unzoom').classList.contains('hide')};
  })())JS");
  EXPECT_NEAR(zoomed["width"].get<double>(), target["full"].get<double>(), 0.01) << zoomed.dump();
  // out_edges has 150 of spread_activation's 400 samples.
  EXPECT_NEAR(zoomed["childWidth"].get<double>(), target["full"].get<double>() * 150 / 400, 0.01);
  EXPECT_TRUE(zoomed["cosineHidden"]);
  EXPECT_FALSE(zoomed["unzoomHidden"]);
  browser.screenshot(out_ / "flamegraph-zoomed.png");

  // Search as a user does: the Search button, then the prompt.
  browser.answer_prompts_with("cosine_batch|apply_decay");
  const json button = browser.evaluate(R"JS((() => {
    const box = document.getElementById('search').getBoundingClientRect();
    return {x: box.x + box.width / 2, y: box.y + box.height / 2};
  })())JS");
  browser.click(button["x"].get<double>(), button["y"].get<double>());
  browser.settle(std::chrono::milliseconds(100));
  ASSERT_EQ(browser.dialogs().size(), 1u);
  EXPECT_THAT(browser.dialogs()[0], HasSubstr("prompt: Enter a search term"));
  // (800 + 500) of 4000 samples.
  EXPECT_EQ(browser.evaluate("document.getElementById('matched').textContent").get<std::string>(), "Matched: 32.5%");
  browser.screenshot(out_ / "flamegraph-search.png");
  EXPECT_TRUE(is_png(out_ / "flamegraph-search.png"));
  EXPECT_THAT(browser.errors(), IsEmpty());
}

TEST_F(BrowserCheck, TheCheckSeesConsoleErrorsExceptionsAndBrokenImages) {
  // The control: a page with each fault must be caught, or the checks above
  // could pass by seeing nothing.
  const fs::path page = scratch_ / "faulty.html";
  write_text(page,
             "<!DOCTYPE html><html><body><img alt=\"gone\" src=\"missing.png\">"
             "<script>console.error('boom'); undefinedFunction();</script></body></html>");
  auto browser = start(800, 600);
  browser.open(file_url(page));
  const json state = inspect(browser);
  EXPECT_THAT(state["broken"].get<std::vector<std::string>>(), ElementsAre("gone"));
  browser.settle(std::chrono::milliseconds(200));
  std::string all;
  for (const auto& e : browser.errors()) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("console.error: boom"));
  EXPECT_THAT(all, HasSubstr("undefinedFunction"));
  EXPECT_THAT(all, HasSubstr("missing.png"));
}

// Where the browser checks look for chromium: a broken ENGRAM_CHROMIUM must
// say so (and fail the checks), never pass for a missing browser (a skip).
// Nothing is started here.
class ChromiumLocator : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* value = std::getenv("ENGRAM_CHROMIUM");
    had_value_ = value != nullptr;
    if (had_value_) saved_ = value;
  }
  void TearDown() override {
    if (had_value_) {
      ::setenv("ENGRAM_CHROMIUM", saved_.c_str(), 1);
    } else {
      ::unsetenv("ENGRAM_CHROMIUM");
    }
  }
  // What find() throws with ENGRAM_CHROMIUM=`value`; empty when it does not.
  static std::string complaint_about(const std::string& value) {
    ::setenv("ENGRAM_CHROMIUM", value.c_str(), 1);
    try {
      HeadlessChromium::find();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  ScratchDir scratch_;
  bool had_value_ = false;
  std::string saved_;
};

TEST_F(ChromiumLocator, ABrokenEnvironmentVariableIsAnErrorNamingIt) {
  const fs::path missing = scratch_ / "no-chromium-here";
  EXPECT_EQ(complaint_about(missing.string()),
            "ENGRAM_CHROMIUM=" + missing.string() +
                ": no such file (unset it to use /usr/bin/chromium or chromium on PATH)");
  EXPECT_THAT(complaint_about(scratch_.path().string()), HasSubstr(": is a directory"));
  const fs::path plain = scratch_ / "chromium.txt";
  write_text(plain, "not a program\n");
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THAT(complaint_about(plain.string()), HasSubstr("ENGRAM_CHROMIUM=" + plain.string() + ": is not executable"));
  const fs::path fifo = scratch_ / "chromium.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0700), 0);
  EXPECT_THAT(complaint_about(fifo.string()), HasSubstr(": is not a regular file"));
}

TEST_F(ChromiumLocator, AnExecutableInTheVariableIsTakenAsItIs) {
  const fs::path program = scratch_ / "my-chromium";
  write_text(program, "#!/bin/sh\nexit 0\n");
  fs::permissions(program, fs::perms::owner_all);
  ::setenv("ENGRAM_CHROMIUM", program.c_str(), 1);
  EXPECT_EQ(HeadlessChromium::find(), std::optional<fs::path>(program));
  // Empty counts as unset: the usual places are searched, without an error.
  ::setenv("ENGRAM_CHROMIUM", "", 1);
  EXPECT_NO_THROW(HeadlessChromium::find());
}

}  // namespace
}  // namespace engram::test
