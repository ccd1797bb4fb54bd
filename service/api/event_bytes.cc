#include "service/api/event_bytes.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "service/api/claim_wire.h"

namespace claimd::api {
namespace {

// Wire-format tags of WatchClaimsResponse (claims.proto): events = 1
// (length-delimited), revision = 2 (varint), snapshot_complete = 3 (varint).
constexpr char kEventsTag = (1 << 3) | 2;
constexpr char kRevisionTag = (2 << 3) | 0;
constexpr char kSnapshotCompleteTag = (3 << 3) | 0;
constexpr char kStoreIdTag = (4 << 3) | 2;  // store_id = 4 (length-delimited)
// left_filter_revisions = 5, packed (one length-delimited field).
constexpr char kLeftFilterTag = (5 << 3) | 2;

void AppendVarint(uint64_t value, std::string& out) {
  char bytes[10];
  out.append(bytes, PutVarint(value, bytes));
}

// Keeps one shared string alive for as long as gRPC holds the slice.
void ReleaseShared(void* holder) { delete static_cast<EventBytes*>(holder); }

grpc::Slice SharedSlice(const EventBytes& bytes) {
  auto* holder = new EventBytes(bytes);
  // gRPC only reads a slice's memory; the string stays const.
  return grpc::Slice(const_cast<char*>((*holder)->data()), (*holder)->size(),
                     &ReleaseShared, holder);
}

// Events smaller than this are copied into the message's own buffer; larger
// ones are referenced where the cache keeps them. For a small event a shared
// slice costs more than its bytes: two allocations, and an atomic count that
// every watcher's message touches on the same cache line (a profile of 1,000
// watchers showed slice handling above claimd's own watch code).
constexpr size_t kShareFrom = 1024;

// A message's slices: runs of small pieces gathered into one buffer each,
// large events referenced in place.
class SliceBuilder {
 public:
  explicit SliceBuilder(size_t copied_bytes) { run_.reserve(copied_bytes); }
  void Copy(absl::string_view bytes) {
    run_.append(bytes.data(), bytes.size());
  }
  void Share(const EventBytes& bytes) {
    EndRun();
    slices_.push_back(SharedSlice(bytes));
  }
  // An empty message is one empty slice.
  grpc::ByteBuffer Finish() {
    if (!run_.empty() || slices_.empty()) slices_.emplace_back(run_);
    return grpc::ByteBuffer(slices_.data(), slices_.size());
  }

 private:
  void EndRun() {
    if (run_.empty()) return;
    slices_.emplace_back(run_);
    run_.clear();
  }
  std::string run_;
  std::vector<grpc::Slice> slices_;
};

bool Shared(const EventBytes& event) { return event->size() >= kShareFrom; }

// What AppendEventFields copies, so that the builder allocates once.
size_t CopiedBytes(absl::Span<const EventBytes> events) {
  size_t bytes = 0;
  for (const EventBytes& event : events)
    bytes += 11 + (Shared(event) ? 0 : event->size());  // tag, length, bytes
  return bytes;
}

// Each event as field 1 (`events` in both WatchClaimsResponse and
// ListClaimEventsResponse): a header of a few bytes, then the event's bytes.
void AppendEventFields(absl::Span<const EventBytes> events,
                       SliceBuilder& message) {
  for (const EventBytes& event : events) {
    char header[11] = {kEventsTag};
    message.Copy(absl::string_view(
        header, PutVarint(event->size(), header + 1) - header));
    if (Shared(event)) {
      message.Share(event);
    } else {
      message.Copy(*event);
    }
  }
}

}  // namespace

EventBytes SerializeEvent(const core::ClaimEvent& event) {
  return std::make_shared<const std::string>(EncodeClaimEvent(event));
}

grpc::ByteBuffer ClaimBytes(const core::Claim& claim) {
  grpc::Slice slice(ClaimWireSize(claim));
  // The slice is new and not shared yet: this is its only writer.
  WriteClaim(claim,
             reinterpret_cast<char*>(const_cast<uint8_t*>(slice.begin())));
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer MessageBytes(std::string bytes) {
  grpc::Slice slice =
      SharedSlice(std::make_shared<const std::string>(std::move(bytes)));
  return grpc::ByteBuffer(&slice, 1);
}

EventBytesCache::EventBytesCache(size_t slots, size_t max_bytes)
    : slots_(slots < 1 ? 1 : slots), max_bytes_(max_bytes) {}

EventBytes EventBytesCache::Get(const core::ClaimEvent& event) {
  Slot& slot = slots_[static_cast<uint64_t>(event.revision) % slots_.size()];
  {
    absl::MutexLock lock(&slot.mutex);
    if (slot.revision == event.revision && slot.bytes != nullptr)
      return slot.bytes;
  }
  // Serialised outside the lock; two watchers racing for the same event make
  // identical bytes, and the first one kept is shared.
  EventBytes bytes = SerializeEvent(event);
  // Too large for the bound, or older than what the cache already let go of
  // (a page of old history): served, not kept.
  if (bytes->size() > max_bytes_ ||
      event.revision < evicted_below_.load(std::memory_order_relaxed))
    return bytes;
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      absl::MutexLock lock(&slot.mutex);
      if (slot.revision == event.revision && slot.bytes != nullptr)
        return slot.bytes;
      if (slot.revision > event.revision) return bytes;
      if (TryStore(slot, event.revision, bytes)) return bytes;
    }
    if (attempt == 0) EvictOlder(event.revision, bytes->size());
  }
  return bytes;
}

bool EventBytesCache::TryStore(Slot& slot, int64_t revision,
                               const EventBytes& bytes) {
  const size_t old_size = slot.bytes == nullptr ? 0 : slot.bytes->size();
  size_t total = bytes_.load(std::memory_order_relaxed);
  // Another slot may change the total meanwhile: the exchange makes the check
  // and the change one step, so the bound holds whatever the interleaving.
  do {
    if (total - old_size + bytes->size() > max_bytes_) return false;
  } while (!bytes_.compare_exchange_weak(
      total, total - old_size + bytes->size(), std::memory_order_relaxed));
  slot.revision = revision;
  slot.bytes = bytes;
  return true;
}

void EventBytesCache::EvictOlder(int64_t revision, size_t needed) {
  // Revisions are let go in order, each slot visited once per lap whoever
  // does it: the cursor only moves forward, one revision per exchange. A
  // revision more than a lap behind `revision` has already been replaced in
  // its slot, so the cursor skips ahead to the last lap.
  const auto lap = static_cast<int64_t>(slots_.size());
  int64_t next = evicted_below_.load(std::memory_order_relaxed);
  while (bytes_.load(std::memory_order_relaxed) + needed > max_bytes_) {
    const int64_t victim = std::max(next, revision - lap);
    if (victim >= revision) return;
    if (!evicted_below_.compare_exchange_weak(next, victim + 1,
                                              std::memory_order_relaxed))
      continue;  // `next` now holds where another caller moved it
    next = victim + 1;
    Slot& slot = slots_[static_cast<uint64_t>(victim) % slots_.size()];
    absl::MutexLock lock(&slot.mutex);
    if (slot.bytes == nullptr || slot.revision > victim) continue;
    bytes_.fetch_sub(slot.bytes->size(), std::memory_order_relaxed);
    slot.revision = 0;
    slot.bytes = nullptr;
  }
}

grpc::ByteBuffer WatchResponseBytes(
    absl::Span<const EventBytes> events, int64_t revision,
    bool snapshot_complete, absl::Span<const int64_t> left_filter_revisions) {
  SliceBuilder message(CopiedBytes(events) + 16 +
                       11 * left_filter_revisions.size());
  AppendEventFields(events, message);
  std::string trailer;
  // proto3 leaves out fields at their default value.
  if (revision != 0) {
    trailer.push_back(kRevisionTag);
    AppendVarint(static_cast<uint64_t>(revision), trailer);
  }
  if (snapshot_complete) {
    trailer.push_back(kSnapshotCompleteTag);
    trailer.push_back(1);
  }
  if (!left_filter_revisions.empty()) {
    // A repeated scalar in proto3 is packed: one length-delimited field.
    std::string packed;
    for (const int64_t left : left_filter_revisions)
      AppendVarint(static_cast<uint64_t>(left), packed);
    trailer.push_back(kLeftFilterTag);
    AppendVarint(packed.size(), trailer);
    trailer.append(packed);
  }
  message.Copy(trailer);
  return message.Finish();
}

grpc::ByteBuffer EventsPageBytes(absl::Span<const EventBytes> events,
                                 absl::string_view next_page_token,
                                 absl::string_view store_id) {
  // ListClaimEventsResponse (claims.proto): events = 1, next_page_token = 2,
  // store_id = 3, the last two length-delimited.
  constexpr char kPageTokenTag = (2 << 3) | 2;
  constexpr char kPageStoreIdTag = (3 << 3) | 2;
  SliceBuilder message(CopiedBytes(events) + next_page_token.size() +
                       store_id.size() + 32);
  AppendEventFields(events, message);
  std::string trailer;
  for (const auto& [tag, value] : {std::pair{kPageTokenTag, next_page_token},
                                   std::pair{kPageStoreIdTag, store_id}}) {
    if (value.empty()) continue;  // proto3 leaves out empty strings
    trailer.push_back(tag);
    AppendVarint(value.size(), trailer);
    trailer.append(value.data(), value.size());
  }
  message.Copy(trailer);
  return message.Finish();
}

grpc::ByteBuffer WithStoreId(const grpc::ByteBuffer& message,
                             const std::string& store_id) {
  std::vector<grpc::Slice> slices;
  if (!message.Dump(&slices).ok()) slices.clear();  // an empty message
  std::string field(1, kStoreIdTag);
  AppendVarint(store_id.size(), field);
  field += store_id;
  slices.emplace_back(field);
  return grpc::ByteBuffer(slices.data(), slices.size());
}

}  // namespace claimd::api
