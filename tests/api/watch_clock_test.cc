// Progress messages are timed on the monotonic clock the server is given, not
// on the wall clock: with an injected clock that stands still, an idle stream
// hears nothing more however often the ticker wakes it; moved on by the
// progress interval, it gets its progress message. (A wall-clock step cannot
// be staged on a shared machine; this is what makes such a step harmless.)
#include <memory>
#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/util/monotonic_clock.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

TEST(WatchClock, ProgressMessagesFollowTheInjectedMonotonicClock) {
  util::ManualMonotonicClock clock;
  TestServerOptions options;
  options.server.clock = &clock;
  options.server.watch.progress_interval = absl::Seconds(2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  WatchStream idle(server->stub(), WatchFrom(0));
  ASSERT_TRUE(idle.Next().has_value());  // the first message comes at once

  // The ticker wakes idle streams every second of real time; the clock says
  // no time passed, so nothing is due.
  EXPECT_FALSE(idle.Next(absl::Seconds(3)).has_value());

  clock.Advance(absl::Seconds(2));
  // Due now: sent at the ticker's next wake-up (within a second).
  std::optional<claims::v1::WatchClaimsResponse> progress =
      idle.Next(absl::Seconds(20));
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->events_size(), 0);
}

}  // namespace
}  // namespace claimd::testing
