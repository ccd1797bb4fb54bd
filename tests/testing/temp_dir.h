// A temporary directory for one test, removed with everything in it when the
// object dies.
#ifndef CLAIMD_TESTS_TESTING_TEMP_DIR_H_
#define CLAIMD_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace claimd::testing {

class TempDir {
 public:
  TempDir();  // under $TEST_TMPDIR or /tmp; aborts the test binary when it
              // cannot
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_TEMP_DIR_H_
