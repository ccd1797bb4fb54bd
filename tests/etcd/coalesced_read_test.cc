// CoalescedRead: concurrent readers share a fetch, and never get the answer of
// a fetch that started before they asked (what makes a shared read still
// linearizable). No etcd: the fetch is a function the test controls.
#include "service/etcd_store/coalesced_read.h"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace claimd::etcd_store {
namespace {

TEST(CoalescedRead, AloneFetchesItsOwnAnswer) {
  CoalescedRead reads;
  absl::StatusOr<int64_t> got = reads.Read([] { return int64_t{7}; });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 7);
  got = reads.Read([] { return int64_t{8}; });
  EXPECT_EQ(*got, 8);
  EXPECT_EQ(reads.fetches(), 2);
}

TEST(CoalescedRead, ErrorsReachEveryReaderOfTheRound) {
  CoalescedRead reads;
  absl::StatusOr<int64_t> got = reads.Read(
      []() -> absl::StatusOr<int64_t> { return absl::UnavailableError("x"); });
  EXPECT_TRUE(absl::IsUnavailable(got.status()));
}

// While one fetch is held in flight, readers that arrive wait for it to end
// and then share ONE new fetch: every one of them gets the value the counter
// had after they arrived, and two fetches served them all.
TEST(CoalescedRead, ReadersArrivingDuringAFetchShareTheNextOne) {
  CoalescedRead reads;
  std::atomic<int64_t> counter{1};
  absl::Notification first_started, release_first;
  int64_t first_answer = 0;
  std::thread first([&] {
    first_answer = *reads.Read([&]() -> absl::StatusOr<int64_t> {
      const int64_t value = counter.load();
      first_started.Notify();
      release_first.WaitForNotification();
      return value;
    });
  });
  first_started.WaitForNotification();
  // A write acknowledged after the first fetch read the counter.
  counter.store(2);
  constexpr int kLate = 8;
  std::vector<int64_t> answers(kLate);
  std::vector<std::thread> late;
  late.reserve(kLate);
  for (int i = 0; i < kLate; ++i) {
    late.emplace_back([&, i] {
      answers[i] = *reads.Read(
          [&]() -> absl::StatusOr<int64_t> { return counter.load(); });
    });
  }
  // Every late reader is inside Read, waiting (the first fetch is held).
  while (reads.waiting() < kLate) std::this_thread::yield();
  release_first.Notify();
  first.join();
  for (std::thread& thread : late) thread.join();
  EXPECT_EQ(first_answer, 1);
  for (int64_t answer : answers) EXPECT_EQ(answer, 2);
  EXPECT_EQ(reads.fetches(), 2);
}

}  // namespace
}  // namespace claimd::etcd_store
