// TopModel: what `claimctl top` shows, as plain state without a terminal.
//
// The claims table is built from the watch stream alone: SNAPSHOT events fill
// it, later events update, add or remove rows. An event is applied only when it
// is newer than what the row holds (claim revision for snapshot and change
// events, a remembered deletion revision for deleted claims), so an event seen
// twice (a redone snapshot, a resumed stream) changes nothing. Besides the rows
// the model keeps the connection state (connecting, live at a revision,
// reconnecting from a revision, failed), per-status counts, the event rate,
// the sort order and the selected row. The curses view (top_terminal.h) only
// draws a TopScreen made from it (top_screen.h), so every behaviour here is
// unit-tested without a terminal.
//
//   TopModel model("127.0.0.1:50051", "");
//   model.ApplyEvent(event, absl::Now());
//   model.SetLive(event.revision());
//   for (const TopRow* row : model.SortedRows()) ...
//
// A claim that leaves the filter leaves the table: the server sends the change
// that made it leave and says that the claim no longer matches
// (ApplyLeftFilter); the client does not evaluate the filter language itself.
//
// Thread-safety: thread-compatible; `claimctl top` uses it from its UI thread
// only.
#ifndef CLAIMD_CLIENT_TOP_TOP_MODEL_H_
#define CLAIMD_CLIENT_TOP_TOP_MODEL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// The order of the table; `s` cycles through them in this order.
enum class TopSort { kRecent, kId, kStatus, kEvidence };

// "recent", "id", "status", "evidence".
const char* TopSortName(TopSort sort);

enum class ConnectionState { kConnecting, kLive, kReconnecting, kFailed };

struct TopRow {
  std::string name;  // claims/ID
  std::string id;
  claims::v1::VerificationStatus status =
      claims::v1::VERIFICATION_STATUS_UNSPECIFIED;
  std::string statement;
  int evidence_count = 0;
  std::string last_source;  // of the newest evidence; empty when none
  int64_t revision = 0;     // the claim's revision
  absl::Time changed;       // update_time of the claim
};

class TopModel {
 public:
  TopModel(std::string server, std::string filter);

  // Starts over with another filter: no rows, connecting.
  void Reset(std::string filter);

  // Applies one watch event received at `now` (see the file comment).
  void ApplyEvent(const claims::v1::ClaimEvent& event, absl::Time now);
  // A change after which the claim no longer matches the filter: its row goes,
  // as for a deletion.
  void ApplyLeftFilter(const claims::v1::ClaimEvent& event, absl::Time now);

  // A response arrived: the table is complete up to `revision`.
  void SetLive(int64_t revision);
  // The stream broke with `cause`; the next attempt resumes from
  // `from_revision` (0: the snapshot is redone) at `retry_at`.
  void SetReconnecting(const absl::Status& cause, int64_t from_revision,
                       absl::Time retry_at);
  // The watch ended for good (OUT_OF_RANGE, a bad filter, ...).
  void SetFailed(const absl::Status& cause);
  void SetSnapshotComplete(int64_t revision);
  // The server's store is not the one the table came from (restored from a
  // backup: FAILED_PRECONDITION, `cause`): the table starts over from a new
  // snapshot, and the status line says why until the user changes the filter.
  void SetStoreReset(const absl::Status& cause);

  void CycleSort();
  // Moves the selection by `delta` rows in the current order, clamped.
  void MoveSelection(int delta);

  // The rows in the current order.
  std::vector<const TopRow*> SortedRows() const;
  // Index of the selected row in SortedRows(); 0 when there are none.
  size_t SelectedIndex() const;
  // The selected row's name, empty when the table is empty.
  std::string SelectedName() const;

  // Rows with `status`.
  int64_t Count(claims::v1::VerificationStatus status) const;
  size_t size() const { return rows_.size(); }
  // Change events (not snapshot events) per second over the last
  // kRateWindow before `now`.
  double EventsPerSecond(absl::Time now) const;

  const std::string& server() const { return server_; }
  const std::string& filter() const { return filter_; }
  TopSort sort() const { return sort_; }
  ConnectionState state() const { return state_; }
  // Why the table was rebuilt, for the status line; "" when it was not.
  const std::string& notice() const { return notice_; }
  // Live: complete up to this revision. Reconnecting: resumes from it.
  int64_t revision() const { return revision_; }
  bool snapshot_complete() const { return snapshot_complete_; }
  const absl::Status& last_error() const { return last_error_; }
  absl::Time retry_at() const { return retry_at_; }

  static constexpr absl::Duration kRateWindow = absl::Seconds(5);

 private:
  // Keeps the selection on a row that still exists. Events only mark it
  // stale (a snapshot of N claims would otherwise sort N times); it is fixed
  // once, when the selection is next read or moved.
  void FixSelection() const;
  // ApplyEvent and ApplyLeftFilter: `remove` takes the row out.
  void Apply(const claims::v1::ClaimEvent& event, bool remove, absl::Time now);
  void FixSelectionIfStale() const {
    if (selection_stale_) FixSelection();
  }

  std::string server_;
  std::string filter_;
  TopSort sort_ = TopSort::kRecent;
  std::map<std::string, TopRow> rows_;  // by name
  // Claims that left the table (deleted, or no longer matching the filter):
  // name -> revision of that change, so an older event of the same claim (a
  // redone snapshot) does not bring the row back.
  std::map<std::string, int64_t> deleted_;
  std::deque<absl::Time> recent_events_;
  // The selected row follows its claim when the order changes, once the
  // user has moved the cursor; before that the first row is selected.
  // Mutable: a cache fixed lazily by the const accessors.
  mutable std::string selected_;
  mutable size_t selected_index_ = 0;
  mutable bool selection_stale_ = false;
  bool user_moved_ = false;
  ConnectionState state_ = ConnectionState::kConnecting;
  int64_t revision_ = 0;
  bool snapshot_complete_ = false;
  absl::Status last_error_;
  std::string notice_;
  absl::Time retry_at_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_TOP_TOP_MODEL_H_
