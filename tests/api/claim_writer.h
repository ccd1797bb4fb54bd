// ClaimWriter: a bounded stream of mutations on a thread of its own, for tests
// that need writes to happen while something else (a watch, a listing)
// runs.
//
//   ClaimWriter writer(*server, "w", 500);  // starts at once
//   ASSERT_TRUE(writer.WaitForProgress(20));
//   ... open a watch ...
//   writer.Join();
//   ASSERT_EQ(writer.failures(), 0) << writer.first_error();
//
// It works on claims "PREFIX-0".."PREFIX-9" over a connection of its own, in
// phases of ten steps: create, confirm, deny, deny again (evidence only),
// delete; then create again. Every step succeeds when no one else touches
// those claims, so `count` mutations make exactly `count` events.
//
// Thread-safety: done(), failures() and WaitForProgress() may be called while
// it runs; first_error() only after Join().
#ifndef CLAIMD_TESTS_API_CLAIM_WRITER_H_
#define CLAIMD_TESTS_API_CLAIM_WRITER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "tests/api/test_server.h"

namespace claimd::testing {

class ClaimWriter {
 public:
  ClaimWriter(TestServer& server, std::string prefix, int count);
  ~ClaimWriter();  // joins
  ClaimWriter(const ClaimWriter&) = delete;
  ClaimWriter& operator=(const ClaimWriter&) = delete;

  void Join();
  int done() const { return done_.load(); }
  int failures() const { return failures_.load(); }
  const std::string& first_error() const { return first_error_; }

  // Waits until at least `n` mutations are done or the writer has finished;
  // false after `timeout`.
  bool WaitForProgress(int n, absl::Duration timeout = absl::Seconds(5));

 private:
  void Run();

  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;
  const std::string prefix_;
  const int count_;
  std::atomic<int> done_{0};
  std::atomic<int> failures_{0};
  std::string first_error_;
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_API_CLAIM_WRITER_H_
