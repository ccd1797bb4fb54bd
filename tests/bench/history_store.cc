#include "tests/bench/history_store.h"

#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "service/core/mutation.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"

namespace claimd::bench {
namespace {

// Bounds the queued mutations, so the generator's memory stays flat.
constexpr int kMaxQueued = 20000;

struct Progress {
  absl::Mutex mutex;
  int queued ABSL_GUARDED_BY(mutex) = 0;
  std::string error ABSL_GUARDED_BY(mutex);
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return queued < kMaxQueued;
  }
  bool Drained() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return queued == 0;
  }
};

core::Mutation Create(int64_t index) {
  core::CreateClaim create;
  create.claim.id = HistoryClaimId(index);
  create.claim.statement = absl::StrCat("Generated claim ", index,
                                        " says the bridge closed on a weekday");
  create.claim.status = core::VerificationStatus::kReported;
  return core::Mutation{std::move(create), ""};
}

// Update number `update` (0-based) of claim `index`: alternately CONFIRMED
// and DENIED, starting with either, so about half the claims end CONFIRMED.
core::Mutation Update(int64_t index, int64_t update) {
  core::UpdateClaimStatus op;
  op.claim_id = HistoryClaimId(index);
  op.status = (index + update) % 2 == 0 ? core::VerificationStatus::kConfirmed
                                        : core::VerificationStatus::kDenied;
  op.evidence.source = "claimbench-generator";
  op.evidence.url =
      absl::StrCat("https://bench.example/history/", index, "/", update);
  return core::Mutation{std::move(op), ""};
}

// The mutations in commit order: each claim's creation is followed by its
// updates (claim-major), so a batch finds the claims it updates in its own
// state instead of reading them back: far faster than round-robin over a
// million claims, and just as valid a history.
class MutationSequence {
 public:
  MutationSequence(int64_t claims, int64_t events)
      : per_claim_((events - claims) / claims),
        extra_((events - claims) % claims) {}

  core::Mutation Next() {
    const int64_t updates = per_claim_ + (claim_ < extra_ ? 1 : 0);
    core::Mutation next =
        step_ == 0 ? Create(claim_) : Update(claim_, step_ - 1);
    if (step_++ == updates) {
      step_ = 0;
      ++claim_;
    }
    return next;
  }

 private:
  const int64_t per_claim_;
  const int64_t extra_;  // the first `extra_` claims get one more update
  int64_t claim_ = 0;
  int64_t step_ = 0;  // 0: create; k: update k-1
};

}  // namespace

std::string HistoryClaimId(int64_t index) {
  return absl::StrFormat("h%08d", index);
}

absl::StatusOr<absl::Duration> GenerateHistoryStore(const std::string& data_dir,
                                                    int64_t claims,
                                                    int64_t events) {
  if (claims < 1 || events < claims)
    return absl::InvalidArgumentError("need 1 <= claims <= events");
  std::error_code ignored;
  std::filesystem::create_directories(data_dir, ignored);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> opened =
      store::SqliteClaimStore::Open(
          store::DatabasePath(data_dir),
          store::SqliteStoreOptions{.max_batch = 10000, .durable = false});
  if (!opened.ok()) return opened.status();
  store::SqliteClaimStore& claim_store = **opened;
  Progress progress;
  MutationSequence sequence(claims, events);
  for (int64_t i = 0; i < events; ++i) {
    {
      absl::MutexLock lock(&progress.mutex);
      progress.mutex.Await(absl::Condition(&progress, &Progress::HasRoom));
      if (!progress.error.empty()) break;
      ++progress.queued;
    }
    claim_store.Submit(
        sequence.Next(),
        [&progress](const absl::StatusOr<core::MutationResult>& result) {
          absl::MutexLock lock(&progress.mutex);
          --progress.queued;
          if (!result.ok() && progress.error.empty())
            progress.error = result.status().ToString();
        });
  }
  {
    absl::MutexLock lock(&progress.mutex);
    progress.mutex.Await(absl::Condition(&progress, &Progress::Drained));
    if (!progress.error.empty())
      return absl::InternalError(
          absl::StrCat("generating the store failed: ", progress.error));
  }
  claim_store.Close();
  return absl::Now() - start;
}

}  // namespace claimd::bench
