// SqliteClaimStore's health: the state the writer leaves after each commit,
// and the probe that lets an idle store notice that its disk recovered.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/store/sqlite_claim_store.h"

namespace claimd::store {
namespace {

// About twice the record of a claim with full statement, labels and a few
// pieces of evidence, in 4 KiB pages: 16.
constexpr int kHealthProbeBytes = 64 << 10;

}  // namespace

absl::Status SqliteClaimStore::Health() {
  absl::MutexLock lock(&health_mutex_);
  return health_;
}

void SqliteClaimStore::SetHealth(absl::Status status) {
  absl::MutexLock lock(&health_mutex_);
  health_ = std::move(status);
}

absl::Status SqliteClaimStore::ProbeHealth() {
  // The probe's status is the health it leaves.
  return RunOnWriter([this] { return ProbeNow(); });
}

absl::Status SqliteClaimStore::ProbeNow() {
  // A row of its own, rewritten with fresh random bytes each time (SQLite
  // skips writing a row that does not change): the commit writes the WAL and
  // syncs it like any write, yet no claim, event or revision changes. Its size
  // is what matters: a full filesystem still has room for a one-page commit
  // while a claim write (claim row, event row, index and request pages) fails,
  // so the probe writes as many pages as a large write would and health means
  // "a typical write would commit now".
  static_assert(kHealthProbeBytes >= 16 * 4096);
  absl::Status status = writer_->Exec(absl::StrCat(
      "BEGIN IMMEDIATE; "
      "INSERT INTO meta (key, value) VALUES ('health_probe', randomblob(",
      kHealthProbeBytes,
      ")) ON CONFLICT (key) DO UPDATE SET value = excluded.value; COMMIT"));
  if (!status.ok()) {
    if (writer_->InTransaction()) writer_->Exec("ROLLBACK").IgnoreError();
    status = absl::UnavailableError(
        absl::StrCat("store health probe failed: ", status.message()));
  }
  SetHealth(status);
  return status;
}

}  // namespace claimd::store
