// WatchClaims responses assembled from shared, pre-serialised events must be
// byte-for-byte what protobuf serialises for the same message, and sharing
// must never change the shared bytes.
#include "service/api/event_bytes.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "claims/v1/claims.pb.h"
#include "gtest/gtest.h"
#include "service/api/proto_convert.h"

namespace claimd::api {
namespace {

core::ClaimEvent MakeEvent(int64_t revision, int evidence_items) {
  core::ClaimEvent event;
  event.revision = revision;
  event.type = evidence_items == 0 ? core::EventType::kCreated
                                   : core::EventType::kStatusChanged;
  event.claim.id = absl::StrCat("claim-", revision);
  event.claim.statement = "The bridge closed on a weekday";
  event.claim.status = core::VerificationStatus::kConfirmed;
  event.claim.labels["desk"] = "world";
  event.claim.revision = revision;
  event.claim.create_revision = 1;
  for (int i = 0; i < evidence_items; ++i) {
    core::Evidence evidence;
    evidence.source = "wire";
    evidence.url = absl::StrCat("https://example.org/", revision, "/", i);
    evidence.quote = std::string(100, 'q');  // lengths past one varint byte
    evidence.status = core::VerificationStatus::kConfirmed;
    evidence.revision = revision;
    event.claim.evidence.push_back(evidence);
  }
  event.previous_status = core::VerificationStatus::kReported;
  event.event_time = absl::FromUnixSeconds(1700000000 + revision);
  return event;
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& slice : slices)
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return out;
}

std::string Expected(const std::vector<core::ClaimEvent>& events,
                     int64_t revision, bool snapshot_complete,
                     const std::vector<int64_t>& left_filter = {}) {
  claims::v1::WatchClaimsResponse response;
  for (const core::ClaimEvent& event : events)
    ToProto(event, response.add_events());
  response.set_revision(revision);
  response.set_snapshot_complete(snapshot_complete);
  for (const int64_t left : left_filter)
    response.add_left_filter_revisions(left);
  return response.SerializeAsString();
}

TEST(WatchResponseBytes, MatchesProtobufForABatchOfEvents) {
  std::vector<core::ClaimEvent> events = {MakeEvent(7, 0), MakeEvent(8, 3),
                                          MakeEvent(9, 40)};
  std::vector<EventBytes> parts;
  parts.reserve(events.size());
  for (const core::ClaimEvent& event : events)
    parts.push_back(SerializeEvent(event));
  EXPECT_EQ(Flatten(WatchResponseBytes(parts, 9, false)),
            Expected(events, 9, false));
  EXPECT_EQ(Flatten(WatchResponseBytes(parts, 300000, true)),
            Expected(events, 300000, true));
}

TEST(WatchResponseBytes, MatchesProtobufWithRevisionsThatLeftTheFilter) {
  // Revisions of 1 to 9 varint bytes (packed, as proto3 encodes them).
  std::vector<core::ClaimEvent> events = {MakeEvent(127, 0), MakeEvent(128, 1),
                                          MakeEvent(int64_t{1} << 40, 2)};
  std::vector<EventBytes> parts;
  parts.reserve(events.size());
  for (const core::ClaimEvent& event : events)
    parts.push_back(SerializeEvent(event));
  const std::vector<int64_t> one = {128};
  const std::vector<int64_t> all = {127, 128, int64_t{1} << 40};
  EXPECT_EQ(Flatten(WatchResponseBytes(parts, 128, false, one)),
            Expected(events, 128, false, one));
  EXPECT_EQ(Flatten(WatchResponseBytes(parts, int64_t{1} << 40, false, all)),
            Expected(events, int64_t{1} << 40, false, all));
}

TEST(WatchResponseBytes, MatchesProtobufForAProgressMessage) {
  EXPECT_EQ(Flatten(WatchResponseBytes({}, 12345678901, false)),
            Expected({}, 12345678901, false));
  // revision 0 is left out, as protobuf does.
  EXPECT_EQ(Flatten(WatchResponseBytes({}, 0, false)), Expected({}, 0, false));
}

TEST(WatchResponseBytes, ReferencesLargeEventsAndCopiesSmallOnes) {
  const EventBytes small = SerializeEvent(MakeEvent(1, 0));
  const EventBytes large = SerializeEvent(MakeEvent(2, 40));
  ASSERT_LT(small->size(), 1024U);
  ASSERT_GE(large->size(), 1024U);
  const std::vector<EventBytes> parts = {small, small, large, small};
  const grpc::ByteBuffer message = WatchResponseBytes(parts, 2, false);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(message.Dump(&slices).ok());
  // The two small events with their headers and the large one's header; the
  // large event where the cache keeps it; the last small event with the
  // revision.
  ASSERT_EQ(slices.size(), 3U);
  EXPECT_EQ(reinterpret_cast<const char*>(slices[1].begin()), large->data());
  EXPECT_EQ(slices[1].size(), large->size());
  EXPECT_NE(reinterpret_cast<const char*>(slices[0].begin()), small->data());
  EXPECT_EQ(Flatten(message), Expected({MakeEvent(1, 0), MakeEvent(1, 0),
                                        MakeEvent(2, 40), MakeEvent(1, 0)},
                                       2, false));
}

TEST(WatchResponseBytes, ParsesBackToTheSameEvents) {
  std::vector<core::ClaimEvent> events = {MakeEvent(1, 1), MakeEvent(2, 2)};
  std::vector<EventBytes> parts = {SerializeEvent(events[0]),
                                   SerializeEvent(events[1])};
  claims::v1::WatchClaimsResponse parsed;
  ASSERT_TRUE(
      parsed.ParseFromString(Flatten(WatchResponseBytes(parts, 2, false))));
  ASSERT_EQ(parsed.events_size(), 2);
  EXPECT_EQ(parsed.events(1).claim().evidence_size(), 2);
  EXPECT_EQ(parsed.events(0).claim().name(), "claims/claim-1");
  EXPECT_EQ(parsed.revision(), 2);
}

TEST(EventsPageBytes, MatchesProtobufForPagesOfHistory) {
  std::vector<core::ClaimEvent> events = {MakeEvent(3, 0), MakeEvent(4, 2),
                                          MakeEvent(5, 30)};
  std::vector<EventBytes> parts;
  parts.reserve(events.size());
  for (const core::ClaimEvent& event : events)
    parts.push_back(SerializeEvent(event));
  auto expected = [](const std::vector<core::ClaimEvent>& page,
                     const std::string& token, const std::string& store_id) {
    claims::v1::ListClaimEventsResponse response;
    for (const core::ClaimEvent& event : page)
      ToProto(event, response.add_events());
    response.set_next_page_token(token);
    response.set_store_id(store_id);
    return response.SerializeAsString();
  };
  // A middle page, the last page (no token), an empty page, and the empty
  // message (an empty page with no store id).
  const std::string token(300, 't');  // a length of two varint bytes
  EXPECT_EQ(Flatten(EventsPageBytes(parts, token, "store-1")),
            expected(events, token, "store-1"));
  EXPECT_EQ(Flatten(EventsPageBytes(parts, "", "store-1")),
            expected(events, "", "store-1"));
  EXPECT_EQ(Flatten(EventsPageBytes({}, "", "store-1")),
            expected({}, "", "store-1"));
  EXPECT_EQ(Flatten(EventsPageBytes({}, "", "")), "");
}

TEST(EventBytesCache, SerialisesEachRevisionOnceAndSharesIt) {
  EventBytesCache cache(16);
  const core::ClaimEvent event = MakeEvent(5, 2);
  EventBytes first = cache.Get(event);
  EventBytes second = cache.Get(event);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(*first, *SerializeEvent(event));
  // Another revision in the same slot replaces it; the old bytes stay valid.
  EventBytes other = cache.Get(MakeEvent(21, 0));
  EXPECT_NE(other.get(), first.get());
  EXPECT_EQ(*first, *SerializeEvent(event));
}

TEST(EventBytesCache, HoldsAtMostItsBoundLettingTheOldestGo) {
  const size_t largest = SerializeEvent(MakeEvent(99, 3))->size();
  const size_t bound = 4 * largest;  // four events, give or take
  EventBytesCache cache(64, bound);
  for (int64_t revision = 1; revision <= 99; ++revision) {
    const core::ClaimEvent event = MakeEvent(revision, 3);
    EventBytes bytes = cache.Get(event);
    EXPECT_EQ(*bytes, *SerializeEvent(event));
    EXPECT_LE(cache.bytes(), bound) << "after revision " << revision;
    // The newest event is kept, whatever the older ones took.
    EXPECT_EQ(cache.Get(event).get(), bytes.get()) << "revision " << revision;
  }
  EXPECT_GE(cache.bytes(), 3 * largest);
}

TEST(EventBytesCache, ABoundReachedBeforeTheSlotsFillStillKeepsTheNewest) {
  // 8,192 slots, room for about four events: the oldest entries sit far
  // behind the new ones' slots, not just ahead of them.
  const size_t largest = SerializeEvent(MakeEvent(3000, 3))->size();
  EventBytesCache cache(EventBytesCache::kDefaultSlots, 4 * largest);
  for (int64_t revision = 1; revision <= 3000; ++revision) {
    const core::ClaimEvent event = MakeEvent(revision, 3);
    EventBytes bytes = cache.Get(event);
    ASSERT_EQ(cache.Get(event).get(), bytes.get()) << "revision " << revision;
    ASSERT_LE(cache.bytes(), 4 * largest);
  }
  // What was let go is served again, and not kept in place of the newest.
  EventBytes old = cache.Get(MakeEvent(10, 3));
  EXPECT_EQ(*old, *SerializeEvent(MakeEvent(10, 3)));
  EXPECT_NE(cache.Get(MakeEvent(10, 3)).get(), old.get());
  EXPECT_EQ(cache.Get(MakeEvent(3000, 3)).get(),
            cache.Get(MakeEvent(3000, 3)).get());
}

TEST(EventBytesCache, ConcurrentStreamsKeepTheBound) {
  const size_t largest = SerializeEvent(MakeEvent(999, 2))->size();
  const size_t bound = 8 * largest;
  EventBytesCache cache(256, bound);
  std::vector<core::ClaimEvent> events;
  events.reserve(1000);
  for (int64_t revision = 1; revision <= 1000; ++revision)
    events.push_back(MakeEvent(revision, 2));
  std::vector<std::thread> streams;
  streams.reserve(4);
  std::atomic<int> wrong{0};
  for (size_t t = 0; t < 4; ++t) {
    streams.emplace_back([&, t] {
      // Each stream a little behind the one before it, as watchers are.
      const size_t lag = 3 * t;
      for (size_t i = 0; i < events.size(); ++i) {
        const core::ClaimEvent& event = events[i >= lag ? i - lag : 0];
        if (*cache.Get(event) != *SerializeEvent(event)) ++wrong;
      }
    });
  }
  for (std::thread& stream : streams) stream.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.bytes(), bound);
}

TEST(EventBytesCache, AnEventLargerThanTheBoundIsServedNotKept) {
  const core::ClaimEvent large = MakeEvent(7, 60);
  EventBytesCache cache(64, SerializeEvent(large)->size() - 1);
  EventBytes first = cache.Get(large);
  EventBytes second = cache.Get(large);
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(*first, *SerializeEvent(large));
  EXPECT_EQ(cache.bytes(), 0U);
}

TEST(EventBytesCache, OldHistoryDoesNotPushOutANewerEventOfItsSlot) {
  EventBytesCache cache(16);
  EventBytes live = cache.Get(MakeEvent(21, 1));
  EventBytes old = cache.Get(MakeEvent(5, 1));  // the same slot, 21 % 16
  EXPECT_EQ(*old, *SerializeEvent(MakeEvent(5, 1)));
  EXPECT_EQ(cache.Get(MakeEvent(21, 1)).get(), live.get());
}

TEST(EventBytesCache, SharedBytesAreNeverMutatedBySending) {
  EventBytesCache cache(64);
  std::vector<core::ClaimEvent> events;
  for (int64_t revision = 1; revision <= 32; ++revision)
    events.push_back(MakeEvent(revision, static_cast<int>(revision % 5)));
  std::vector<EventBytes> parts;
  std::vector<std::string> copies;
  for (const core::ClaimEvent& event : events) {
    parts.push_back(cache.Get(event));
    copies.push_back(*parts.back());
  }
  // Many "watchers" build, read and drop responses over the same bytes at
  // once.
  std::vector<std::thread> watchers;
  watchers.reserve(8);
  for (int w = 0; w < 8; ++w) {
    watchers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        std::vector<EventBytes> mine;
        mine.reserve(events.size());
        for (const core::ClaimEvent& event : events)
          mine.push_back(cache.Get(event));
        grpc::ByteBuffer message = WatchResponseBytes(mine, 32, false);
        EXPECT_EQ(message.Length(), Expected(events, 32, false).size());
      }
    });
  }
  for (std::thread& watcher : watchers) watcher.join();
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(*parts[i], copies[i]) << "revision " << i + 1;
    EXPECT_EQ(cache.Get(events[i]).get(), parts[i].get());
  }
}

}  // namespace
}  // namespace claimd::api
