// Builds the large stores for the recovery, catch-up, list and "history"
// workloads directly with the store library (SqliteClaimStore, the code claimd
// itself runs), not over gRPC: group commits of thousands of mutations with
// synchronous=NORMAL, so a million claims take seconds, not the minutes the
// durable API would.
//
// Claims are HistoryClaimId(0..claims-1); each creation (status REPORTED) is
// followed by that claim's share of the events - claims updates, each with one
// evidence item, alternating CONFIRMED and DENIED.
//
// Thread-safety: blocks the calling thread.
#ifndef CLAIMD_TESTS_BENCH_HISTORY_STORE_H_
#define CLAIMD_TESTS_BENCH_HISTORY_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace claimd::bench {

std::string HistoryClaimId(int64_t index);

// Fills the (new, empty) claimd data directory `data_dir`; returns how long it
// took. Errors: those of the store, INVALID_ARGUMENT (events < claims).
absl::StatusOr<absl::Duration> GenerateHistoryStore(const std::string& data_dir,
                                                    int64_t claims,
                                                    int64_t events);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_HISTORY_STORE_H_
