// io::ScratchFolder: a private folder, gone with its contents on every way out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "../common/temp_folder.hpp"
#include "engram/io/scratch_folder.hpp"

namespace {

using engram::io::ScratchFolder;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(ScratchFolder, IsPrivateUnderItsParentAndGoesWithItsContents) {
  const engram::testing::TempFolder parent("scratch");
  fs::path made;
  {
    const ScratchFolder scratch(parent.path(), "job.");
    made = scratch.path();
    EXPECT_EQ(made.parent_path(), parent.path());
    EXPECT_THAT(made.filename().string(), ::testing::StartsWith("job."));
    struct stat info {};
    ASSERT_EQ(::stat(made.c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0700u);  // no one else may look in or add files
    fs::create_directories(made / "deep" / "er");
    std::ofstream(made / "deep" / "er" / "data") << "x";
  }
  EXPECT_FALSE(fs::exists(made));
}

TEST(ScratchFolder, TwoAtOnceNeverShareAName) {
  const engram::testing::TempFolder parent("scratch");
  const ScratchFolder a(parent.path(), "same.");
  const ScratchFolder b(parent.path(), "same.");
  EXPECT_NE(a.path(), b.path());
}

TEST(ScratchFolder, GoesEvenWhenAnExceptionLeavesTheScope) {
  const engram::testing::TempFolder parent("scratch");
  fs::path made;
  try {
    const ScratchFolder scratch(parent.path(), "thrown.");
    made = scratch.path();
    throw std::runtime_error("the job failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(made.empty());
  EXPECT_FALSE(fs::exists(made));
}

TEST(ScratchFolder, AMissingParentIsAnErrorNamingIt) {
  const engram::testing::TempFolder parent("scratch");
  try {
    const ScratchFolder scratch(parent.path() / "no-such-folder", "x.");
    FAIL() << "made a folder in a parent that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-folder"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

TEST(ScratchFolder, WithoutAParentItUsesTmpdir) {
  const engram::testing::TempFolder parent("scratch");
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", parent.path().c_str(), 1);
  {
    const ScratchFolder scratch("tmpdir.");
    EXPECT_EQ(scratch.path().parent_path(), parent.path());
  }
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
}

}  // namespace
