#include "tests/testing/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace claimd::testing {

TempDir::TempDir() {
  // Tests call setenv only on their main thread, where a TempDir is made too.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/claimd-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "cannot create a temporary directory from " << pattern << "\n";
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const {
  return path_ + "/" + name;
}

}  // namespace claimd::testing
