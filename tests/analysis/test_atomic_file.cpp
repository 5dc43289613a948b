#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engram/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;
using engram::analysis::write_file_atomically;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("engram_atomic_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplacesWithoutLeavingTemporaries) {
  const fs::path target = dir_ / "out.svg";
  write_file_atomically(target, "first");
  EXPECT_EQ(read(target), "first");
  write_file_atomically(target, "second, longer");
  EXPECT_EQ(read(target), "second, longer");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(AtomicFileTest, FailureNamesTheFileAndKeepsTheOldContent) {
  const fs::path target = dir_ / "kept.txt";
  write_file_atomically(target, "old");
  try {
    write_file_atomically(dir_ / "missing" / "x.txt", "new");
    FAIL() << "writing into a missing folder succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("missing/x.txt"));
  }
  // A directory in the way of the rename: the write fails, the temporary goes.
  fs::create_directories(dir_ / "adir" / "inner");
  EXPECT_THROW(write_file_atomically(dir_ / "adir", "x"), std::runtime_error);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 2u);  // kept.txt and adir
  EXPECT_EQ(read(target), "old");
}

}  // namespace
