// ClaimStore: the interface every storage backend implements (SQLite today; a
// distributed engine with its own revisions later), in the spirit of
// leveldb::DB.
//
// Contract:
// - Every mutation is atomic and gets the next store-wide revision; revisions
//   are dense (each revision is exactly one event) and start at 1.
// - Submit's callback runs with OK only after the change is durable; a failed
//   commit fails every mutation it carried and none of them becomes visible
//   (but a commit whose fsync failed may still surface after a crash: its
//   outcome is unknown, so a retry must carry the same request_id).
// - The CommitObserver sees every committed event exactly once, in revision
//   order, before the callbacks of the same commit run, and never sees an
//   uncommitted one.
// - Mutations with a request_id that was already applied return the first
//   result (`replayed` set) and write nothing.
// Thread-safety: every method may be called from any thread concurrently.
#ifndef CLAIMD_SERVICE_CORE_CLAIM_STORE_H_
#define CLAIMD_SERVICE_CORE_CLAIM_STORE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "service/core/claim.h"
#include "service/core/filter/filter.h"
#include "service/core/mutation.h"

namespace claimd::core {

// Receives committed events. Called on the store's commit thread: must not
// block and must not call back into the store.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // Called once when the store opens, before any commit: the revision it starts
  // at.
  virtual void OnOpen(int64_t current_revision) = 0;
  virtual void OnCommit(absl::Span<const ClaimEventPtr> events) = 0;
};

struct MutationResult {
  // The event the mutation wrote (for a replay: the first one).
  ClaimEventPtr event;
  bool replayed = false;  // true when request_id matched an earlier mutation
};

using MutationCallback =
    absl::AnyInvocable<void(absl::StatusOr<MutationResult>) &&>;

struct ListClaimsQuery {
  std::string after_id;  // exclusive; empty: from the first claim
  int limit = 100;       // at most this many claims in the page
  Filter filter;
  // Examine at most this many claims, so a sparse filter cannot turn one call
  // into a full scan; the page then holds fewer than `limit` claims and `more`
  // is set.
  int max_scanned = 10000;
};

struct ClaimPage {
  std::vector<Claim> claims;
  std::string last_examined_id;  // where the next page continues (after_id)
  bool more = false;             // claims after last_examined_id may exist
  int64_t revision = 0;          // the store revision this page was read at
};

struct ListEventsQuery {
  std::string claim_id;  // empty: every claim
  // Inclusive. 0: from the oldest revision the store still keeps.
  int64_t from_revision = 1;
  int limit = 100;
  // 0: no bound. Otherwise the page stops before the event that would take
  // the ApproximateBytes of its events' claims past max_bytes (the first event
  // is always taken; more is then true): a reader that can send only so much
  // at once (a watch message, a response) never holds a page of large claims
  // it cannot send.
  size_t max_bytes = 0;
};

// How a backend applies ListEventsQuery::max_bytes while it fills a page:
// Fits(event) adds the event's claim's ApproximateBytes and is false for the
// first event that takes the page past the bound (that event and the rest are
// left to the next page); the first event always fits.
class EventPageBytes {
 public:
  explicit EventPageBytes(size_t max_bytes) : max_bytes_(max_bytes) {}
  bool Fits(const ClaimEvent& event);

 private:
  const size_t max_bytes_;  // 0: no bound
  size_t bytes_ = 0;
  bool empty_ = true;
};

struct EventPage {
  std::vector<ClaimEventPtr> events;  // ascending revision
  int64_t next_revision = 0;          // where the next page starts
  bool more = false;
  int64_t revision = 0;  // the store revision this page was read at
};

struct Snapshot {
  std::vector<Claim> claims;  // every matching claim, in id order
  int64_t revision = 0;  // the claims are exactly the state at this revision
};

class ClaimStore {
 public:
  virtual ~ClaimStore() = default;

  // Queues a mutation; `done` runs exactly once, on a store thread, after the
  // commit. Callers validate with ValidateMutation first. Errors passed to
  // `done`: those of ApplyMutation, INVALID_ARGUMENT (request_id reused for a
  // different request), UNAVAILABLE (store closed or the commit failed: safe to
  // retry with the request_id).
  virtual void Submit(Mutation mutation, MutationCallback done) = 0;

  // Submit and wait. For tests and tools; servers use Submit.
  absl::StatusOr<MutationResult> Apply(Mutation mutation);

  // Errors: NOT_FOUND.
  virtual absl::StatusOr<Claim> Get(const std::string& claim_id) = 0;

  virtual absl::StatusOr<ClaimPage> List(const ListClaimsQuery& query) = 0;

  // Errors: OUT_OF_RANGE when from_revision <= CompactRevision() (history
  // trimmed).
  virtual absl::StatusOr<EventPage> ListEvents(
      const ListEventsQuery& query) = 0;

  // Every claim matching `filter`, read in one consistent transaction.
  virtual absl::StatusOr<Snapshot> ReadSnapshot(const Filter& filter) = 0;

  // Like ReadSnapshot, but never holds more than the caller allows: `charge`
  // is called with the ApproximateBytes of claims before they are kept, and
  // its first error ends the read and is returned (RESOURCE_EXHAUSTED, say).
  // Errors: charge's; ABORTED when history the read needed was trimmed
  // meanwhile (retry); the store's read errors.
  //
  // The default reads List pages (each consistent at its own revision) and
  // brings the claims already read forward to each new page's revision with
  // the events in between (ListEvents), so the result is exactly the state at
  // the last page's revision while only one page (about 1 MiB, at most 256
  // claims) is ever read past the budget. Backends with multi-version reads
  // may override it.
  virtual absl::StatusOr<Snapshot> ReadSnapshotWithin(
      const Filter& filter, absl::FunctionRef<absl::Status(size_t)> charge);

  // The revision of the last committed event (0 for an empty store).
  virtual int64_t CurrentRevision() = 0;
  // Events at or below this revision were trimmed (0: nothing was).
  virtual int64_t CompactRevision() = 0;

  // The identity of this store's history: created with the store, replaced by
  // a restore from a backup (which reuses later revisions for different
  // events), never empty, stable while the store is open. Clients carry it
  // with the revisions they saw, so a revision from another history is refused
  // instead of misread. Cheap: may be called on every request.
  virtual std::string StoreId() = 0;

  // Trims history: removes events with revision <= `revision` (claims are kept)
  // and the request_ids they recorded. Errors: INVALID_ARGUMENT when `revision`
  // is ahead of CurrentRevision().
  virtual absl::Status Compact(int64_t revision) = 0;

  // Commits what is queued, fails later submissions with UNAVAILABLE and
  // releases the files. Idempotent; the destructor calls it.
  virtual void Close() = 0;

  // OK while the store can commit. After a commit fails (disk full, a failed
  // fsync) it is that error (UNAVAILABLE) until a later commit succeeds: a
  // client's write or ProbeHealth. Servers report NOT_SERVING meanwhile.
  virtual absl::Status Health() { return absl::OkStatus(); }
  // Tries one durable commit that changes nothing a client can see, so an idle
  // store can find out that the disk recovered. Returns Health() after it.
  virtual absl::Status ProbeHealth() { return Health(); }
};

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_CLAIM_STORE_H_
