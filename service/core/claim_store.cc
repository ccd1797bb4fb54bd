#include "service/core/claim_store.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "service/util/status_macros.h"

namespace claimd::core {

absl::StatusOr<MutationResult> ClaimStore::Apply(Mutation mutation) {
  absl::Notification done;
  absl::StatusOr<MutationResult> result;
  Submit(std::move(mutation), [&result,
                               &done](absl::StatusOr<MutationResult> outcome) {
    result = std::move(outcome);
    done.Notify();  // the waiter may destroy `done` as soon as it sees this
  });
  done.WaitForNotification();
  return result;
}

namespace {

// While reading a snapshot, a List or ListEvents page is sized to hold about
// kSnapshotPageBytes, judged by the largest claim of the page before (claims
// range from a few hundred bytes to megabytes), between 1 and
// kMaxSnapshotPage entries: what is read before the budget can refuse it stays
// small.
constexpr size_t kSnapshotPageBytes = size_t{1} << 20;
constexpr int kMaxSnapshotPage = 256;
constexpr int kFirstSnapshotPage = 32;

int NextPageSize(size_t largest_claim_bytes) {
  return static_cast<int>(std::clamp<size_t>(
      kSnapshotPageBytes / std::max<size_t>(largest_claim_bytes, 1), 1,
      kMaxSnapshotPage));
}

}  // namespace

bool EventPageBytes::Fits(const ClaimEvent& event) {
  if (max_bytes_ == 0) return true;
  bytes_ += ApproximateBytes(event.claim);
  if (!empty_ && bytes_ > max_bytes_) return false;
  empty_ = false;
  return true;
}

absl::StatusOr<Snapshot> ClaimStore::ReadSnapshotWithin(
    const Filter& filter, absl::FunctionRef<absl::Status(size_t)> charge) {
  // Invariant: `claims` holds, for every id <= `covered` (the last id a page
  // examined), exactly the matching claims as of revision `revision`.
  std::map<std::string, Claim> claims;
  std::string covered;
  int64_t revision = -1;
  int page_size = kFirstSnapshotPage;
  while (true) {
    ASSIGN_OR_RETURN(ClaimPage page, List(ListClaimsQuery{.after_id = covered,
                                                          .limit = page_size,
                                                          .filter = filter}));
    if (revision >= 0 && page.revision > revision) {
      // Writes landed between the pages: replay them onto the claims already
      // held, so those reach this page's revision too.
      int64_t from = revision + 1;
      while (from <= page.revision) {
        absl::StatusOr<EventPage> events = ListEvents(
            ListEventsQuery{.from_revision = from, .limit = page_size});
        if (!events.ok()) {
          if (events.status().code() == absl::StatusCode::kOutOfRange) {
            return absl::AbortedError(absl::StrCat(
                "history was trimmed while the snapshot was read: ",
                events.status().message()));
          }
          return events.status();
        }
        // Revisions are dense: the page starts exactly at `from`, so every
        // pass makes progress.
        if (events->events.empty() ||
            events->events.front()->revision != from) {
          return absl::InternalError(
              absl::StrCat("snapshot read found no event at revision ", from,
                           " below the store revision ", page.revision));
        }
        for (const ClaimEventPtr& event : events->events) {
          if (event->revision > page.revision) break;
          from = event->revision + 1;
          const std::string& id = event->claim.id;
          if (id > covered) continue;  // a later page reads it as it is then
          if (event->type == EventType::kDeleted ||
              !filter.Matches(event->claim)) {
            claims.erase(id);
            continue;
          }
          // Charge only what the claim grew by: a claim changed several
          // times between two pages is held once.
          auto held = claims.find(id);
          const size_t before =
              held == claims.end() ? 0 : ApproximateBytes(held->second);
          const size_t after = ApproximateBytes(event->claim);
          if (after > before) RETURN_IF_ERROR(charge(after - before));
          claims.insert_or_assign(id, event->claim);
        }
      }
    }
    revision = page.revision;
    size_t largest = 0;
    for (Claim& claim : page.claims) {
      const size_t bytes = ApproximateBytes(claim);
      largest = std::max(largest, bytes);
      RETURN_IF_ERROR(charge(bytes));
      std::string id = claim.id;
      claims.emplace(std::move(id), std::move(claim));
    }
    if (!page.more || page.last_examined_id.empty()) break;
    covered = page.last_examined_id;
    if (!page.claims.empty()) page_size = NextPageSize(largest);
  }
  Snapshot snapshot{.revision = std::max<int64_t>(revision, 0)};
  snapshot.claims.reserve(claims.size());
  // Node by node, so the map's memory goes as the vector's comes.
  for (auto it = claims.begin(); it != claims.end(); it = claims.erase(it)) {
    snapshot.claims.push_back(std::move(it->second));
  }
  return snapshot;
}

}  // namespace claimd::core
