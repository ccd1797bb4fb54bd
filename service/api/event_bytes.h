// Fan-out without per-watcher serialisation: each committed event is turned
// into its claims.v1.ClaimEvent wire bytes once (EventBytesCache), and every
// watch stream sends WatchClaimsResponse messages assembled from those shared
// bytes (WatchResponseBytes) without re-encoding them (large ones are not even
// copied). A response built this way is byte-for-byte what protobuf would
// serialise for the same message (fields in number order;
// tests/api/event_bytes_test checks it), so clients cannot tell the
// difference.
//
//   EventBytesCache cache;
//   std::vector<EventBytes> parts = {cache.Get(event)};
//   grpc::ByteBuffer message = WatchResponseBytes(parts, event->revision,
//   false);
//
// The shared strings are immutable once published (const, owned by
// shared_ptr); a ByteBuffer holds a reference to each until gRPC has sent it.
//
// Thread-safety: EventBytesCache may be used from any thread (one mutex per
// slot); WatchResponseBytes is a pure function.
#ifndef CLAIMD_SERVICE_API_EVENT_BYTES_H_
#define CLAIMD_SERVICE_API_EVENT_BYTES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "grpcpp/support/byte_buffer.h"
#include "service/core/claim.h"

namespace claimd::api {

// The serialised claims.v1.ClaimEvent of one event.
using EventBytes = std::shared_ptr<const std::string>;

// Serialises `event` (claim_wire.h), uncached.
EventBytes SerializeEvent(const core::ClaimEvent& event);

// A serialised claims.v1.Claim, written into one slice (claim_wire.h): the
// reply of the methods that answer with a whole claim.
grpc::ByteBuffer ClaimBytes(const core::Claim& claim);

// A message already serialised into `bytes`, handed to gRPC without a copy.
grpc::ByteBuffer MessageBytes(std::string bytes);

// A serialised claims.v1.ListClaimEventsResponse: `events`, then the page's
// token (empty: the last page) and the store id. Events of 1 KiB or more are
// referenced, not copied; smaller ones are copied, which costs less than
// sharing them.
grpc::ByteBuffer EventsPageBytes(absl::Span<const EventBytes> events,
                                 absl::string_view next_page_token,
                                 absl::string_view store_id);

class EventBytesCache {
 public:
  static constexpr size_t kDefaultSlots = 8192;
  // Remembers the bytes of recent revisions, one per slot (revision % slots),
  // at most `max_bytes` of them in all: claims near the size limits make
  // events of megabytes, and slots alone would then hold gigabytes.
  explicit EventBytesCache(size_t slots = kDefaultSlots,
                           size_t max_bytes = size_t{64} << 20);
  EventBytesCache(const EventBytesCache&) = delete;
  EventBytesCache& operator=(const EventBytesCache&) = delete;

  // The bytes of `event`, serialised by the first caller that asks for its
  // revision. Revisions identify events (one event per revision, and an event
  // never changes), so events read back from the store share the entry too.
  // To keep an event within the bound, the oldest ones are let go; an event
  // larger than the whole bound is not kept, nor one older than what its slot
  // holds or than what was let go (a page of old history must not push out
  // what the live streams are sending).
  EventBytes Get(const core::ClaimEvent& event);

  // The bytes the cache holds now (tests).
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    absl::Mutex mutex;
    int64_t revision ABSL_GUARDED_BY(mutex) = 0;
    EventBytes bytes ABSL_GUARDED_BY(mutex);
  };
  // Replaces what `slot` holds with `bytes` if the bound allows.
  bool TryStore(Slot& slot, int64_t revision, const EventBytes& bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(slot.mutex);
  // Lets revisions older than `revision` go, oldest first, until `needed`
  // more bytes fit (or none is left).
  void EvictOlder(int64_t revision, size_t needed);

  std::vector<Slot> slots_;
  const size_t max_bytes_;
  // The sum of the sizes the slots hold; changed only under a slot's mutex,
  // by the difference that slot makes.
  std::atomic<size_t> bytes_{0};
  // Revisions below it have been let go (EvictOlder) and are not kept again.
  std::atomic<int64_t> evicted_below_{0};
};

// The wire bytes of WatchClaimsResponse{events, revision, snapshot_complete,
// left_filter_revisions}, referencing `events`' strings of 1 KiB or more
// instead of copying them.
grpc::ByteBuffer WatchResponseBytes(
    absl::Span<const EventBytes> events, int64_t revision,
    bool snapshot_complete,
    absl::Span<const int64_t> left_filter_revisions = {});

// `message` (a serialised WatchClaimsResponse) with its `store_id` field set:
// appended as one more field, which protobuf parsers merge (no copy of the
// events).
grpc::ByteBuffer WithStoreId(const grpc::ByteBuffer& message,
                             const std::string& store_id);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_EVENT_BYTES_H_
