// SqliteClaimStore's health: the state the writer leaves after each commit,
// and the probe that lets an idle store notice that its disk recovered.
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/store/sqlite_claim_store.h"

namespace claimd::store {

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
  // A counter row of its own (SQLite skips writing a row that does not
  // change): the commit writes the WAL and syncs it like any write, yet no
  // claim, event or revision changes.
  absl::Status status = writer_->Exec(
      "BEGIN IMMEDIATE; "
      "INSERT INTO meta (key, value) VALUES ('health_probes', 1) "
      "ON CONFLICT (key) DO UPDATE SET value = value + 1; COMMIT");
  if (!status.ok()) {
    if (writer_->InTransaction()) writer_->Exec("ROLLBACK").IgnoreError();
    status = absl::UnavailableError(
        absl::StrCat("store health probe failed: ", status.message()));
  }
  SetHealth(status);
  return status;
}

}  // namespace claimd::store
