// The reliability checker: judges a history (history.h) against claimd's
// promises and lists every violation it finds.
//
// Writes, against the recovered log:
// - the log is dense: every revision after the compaction point, once;
// - an acknowledged write is in the log at the revision it was acknowledged
//   with, made by its request (tag); else it counts as lost;
// - a request whose every attempt failed definitely is not in the log;
// - a request (tag / request_id) is in the log at most once, and every
//   acknowledgement of it names the same revision;
// - compare-and-set is a linearizable register per claim: a successful CAS on
//   revision E directly follows the claim's event at E, and no two different
//   requests succeed on the same (claim, E).
// Watch streams, each joined across its calls (etcd's watch guarantees):
// - ordered and unique: revisions strictly increase across the whole stream,
//   so no revision is delivered twice or split across messages;
// - every delivered event is the log's event at that revision and matches the
//   stream's filter;
// - reliable and progress: when a response says revision r, every matching
//   log event up to r has been delivered (no gaps, bookmarks never ahead);
//   response revisions never decrease and cover their own events;
// - resumable: each new call starts right after the last response revision,
//   and a resume point the server gave is exactly that;
// - no silent end: a call never ends with OK.
//
// Thread-safety: a pure function.
#ifndef CLAIMD_TESTS_RELIABILITY_CHECKER_H_
#define CLAIMD_TESTS_RELIABILITY_CHECKER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/reliability/history.h"

namespace claimd::reliability {

struct CheckResult {
  int64_t writes_acknowledged = 0;  // requests acknowledged (retries once)
  int64_t writes_lost = 0;
  int64_t events_checked = 0;  // log events plus delivered events
  std::vector<std::string> violations;

  bool ok() const { return violations.empty(); }
  // "writes acknowledged 10, writes lost 0, events checked 30, violations 0"
  // and then the first violations, one a line.
  std::string Summary() const;
};

CheckResult CheckHistory(const std::vector<WriteOp>& writes,
                         const std::vector<WatchStream>& watches,
                         const RecoveredLog& log);

}  // namespace claimd::reliability

#endif  // CLAIMD_TESTS_RELIABILITY_CHECKER_H_
