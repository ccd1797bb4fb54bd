#include "client/top/top_model.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// The revision an event brings its claim to: a snapshot event carries the
// snapshot's revision, the claim's own is what the row is compared with.
int64_t RevisionOf(const v1::ClaimEvent& event) {
  return event.type() == v1::EVENT_TYPE_SNAPSHOT ? event.claim().revision()
                                                 : event.revision();
}

TopRow RowOf(const v1::Claim& claim, int64_t revision) {
  TopRow row;
  row.name = claim.name();
  row.id = ClaimIdOf(claim.name());
  row.status = claim.status();
  row.statement = claim.statement();
  row.evidence_count = claim.evidence_size();
  if (!claim.evidence().empty()) {
    row.last_source = claim.evidence(claim.evidence_size() - 1).source();
  }
  row.revision = revision;
  row.changed = ToTime(claim.update_time());
  return row;
}

// Most urgent first: what is only reported needs checking.
int StatusRank(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_REPORTED:
      return 0;
    case v1::VERIFICATION_STATUS_DENIED:
      return 1;
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return 2;
    default:
      return 3;
  }
}

}  // namespace

const char* TopSortName(TopSort sort) {
  switch (sort) {
    case TopSort::kRecent:
      return "recent";
    case TopSort::kId:
      return "id";
    case TopSort::kStatus:
      return "status";
    case TopSort::kEvidence:
      return "evidence";
  }
  return "recent";
}

TopModel::TopModel(std::string server, std::string filter)
    : server_(std::move(server)), filter_(std::move(filter)) {}

void TopModel::Reset(std::string filter) {
  if (filter != filter_) notice_.clear();
  filter_ = std::move(filter);
  rows_.clear();
  deleted_.clear();
  recent_events_.clear();
  selected_.clear();
  selected_index_ = 0;
  selection_stale_ = false;
  user_moved_ = false;
  state_ = ConnectionState::kConnecting;
  revision_ = 0;
  snapshot_complete_ = false;
  last_error_ = absl::OkStatus();
}

void TopModel::ApplyEvent(const v1::ClaimEvent& event, absl::Time now) {
  Apply(event, /*remove=*/event.type() == v1::EVENT_TYPE_DELETED, now);
}

void TopModel::ApplyLeftFilter(const v1::ClaimEvent& event, absl::Time now) {
  Apply(event, /*remove=*/true, now);
}

void TopModel::Apply(const v1::ClaimEvent& event, bool remove, absl::Time now) {
  const std::string& name = event.claim().name();
  const int64_t revision = RevisionOf(event);
  if (event.type() != v1::EVENT_TYPE_SNAPSHOT) {
    recent_events_.push_back(now);
    while (!recent_events_.empty() &&
           recent_events_.front() <= now - kRateWindow) {
      recent_events_.pop_front();
    }
  }
  auto gone = deleted_.find(name);
  if (gone != deleted_.end() && gone->second >= revision) return;
  auto it = rows_.find(name);
  if (it != rows_.end() && it->second.revision >= revision) return;

  if (remove) {
    deleted_[name] = revision;
    if (it != rows_.end()) rows_.erase(it);
  } else {
    if (gone != deleted_.end()) deleted_.erase(gone);
    rows_[name] = RowOf(event.claim(), revision);
  }
  selection_stale_ = true;
}

void TopModel::SetLive(int64_t revision) {
  state_ = ConnectionState::kLive;
  // While reconnecting revision_ held the resume revision (one ahead); the
  // follower's progress never goes back.
  revision_ = revision;
  last_error_ = absl::OkStatus();
}

void TopModel::SetStoreReset(const absl::Status& cause) {
  Reset(filter_);
  notice_ = absl::StrCat("store restored or replaced (",
                         absl::StatusCodeToString(cause.code()),
                         "): table rebuilt from a new snapshot");
}

void TopModel::SetReconnecting(const absl::Status& cause, int64_t from_revision,
                               absl::Time retry_at) {
  state_ = ConnectionState::kReconnecting;
  if (from_revision > 0) revision_ = from_revision;
  last_error_ = cause;
  retry_at_ = retry_at;
}

void TopModel::SetFailed(const absl::Status& cause) {
  state_ = ConnectionState::kFailed;
  last_error_ = cause;
}

void TopModel::SetSnapshotComplete(int64_t revision) {
  snapshot_complete_ = true;
  SetLive(revision);
}

void TopModel::CycleSort() {
  switch (sort_) {
    case TopSort::kRecent:
      sort_ = TopSort::kId;
      break;
    case TopSort::kId:
      sort_ = TopSort::kStatus;
      break;
    case TopSort::kStatus:
      sort_ = TopSort::kEvidence;
      break;
    case TopSort::kEvidence:
      sort_ = TopSort::kRecent;
      break;
  }
  selection_stale_ = true;
}

std::vector<const TopRow*> TopModel::SortedRows() const {
  std::vector<const TopRow*> rows;
  rows.reserve(rows_.size());
  for (const auto& [name, row] : rows_) rows.push_back(&row);
  // Ties fall back to the id, so the order is total and stable on screen.
  auto by = [this](const TopRow* a, const TopRow* b) {
    switch (sort_) {
      case TopSort::kRecent:
        return std::make_tuple(-a->revision, a->id) <
               std::make_tuple(-b->revision, b->id);
      case TopSort::kId:
        return a->id < b->id;
      case TopSort::kStatus:
        return std::make_tuple(StatusRank(a->status), a->id) <
               std::make_tuple(StatusRank(b->status), b->id);
      case TopSort::kEvidence:
        return std::make_tuple(-a->evidence_count, a->id) <
               std::make_tuple(-b->evidence_count, b->id);
    }
    return a->id < b->id;
  };
  std::sort(rows.begin(), rows.end(), by);
  return rows;
}

void TopModel::FixSelection() const {
  selection_stale_ = false;
  const std::vector<const TopRow*> rows = SortedRows();
  if (rows.empty()) {
    selected_.clear();
    selected_index_ = 0;
    return;
  }
  if (!user_moved_) {
    // Until the user moves, the cursor stays on the first row.
    selected_index_ = 0;
    selected_ = rows[0]->name;
    return;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i]->name == selected_) {
      selected_index_ = i;
      return;
    }
  }
  // The selected row went away (or none was selected): stay at its place.
  selected_index_ = std::min(selected_index_, rows.size() - 1);
  selected_ = rows[selected_index_]->name;
}

void TopModel::MoveSelection(int delta) {
  FixSelectionIfStale();
  const std::vector<const TopRow*> rows = SortedRows();
  if (rows.empty()) return;
  user_moved_ = true;
  const int64_t last = static_cast<int64_t>(rows.size()) - 1;
  const int64_t index = std::clamp<int64_t>(
      static_cast<int64_t>(SelectedIndex()) + delta, 0, last);
  selected_index_ = static_cast<size_t>(index);
  selected_ = rows[selected_index_]->name;
}

size_t TopModel::SelectedIndex() const {
  FixSelectionIfStale();
  return rows_.empty() ? 0 : std::min(selected_index_, rows_.size() - 1);
}

std::string TopModel::SelectedName() const {
  FixSelectionIfStale();
  return selected_;
}

int64_t TopModel::Count(v1::VerificationStatus status) const {
  return std::count_if(rows_.begin(), rows_.end(), [status](const auto& entry) {
    return entry.second.status == status;
  });
}

double TopModel::EventsPerSecond(absl::Time now) const {
  const int64_t count = std::count_if(
      recent_events_.begin(), recent_events_.end(),
      [&](absl::Time t) { return t > now - kRateWindow && t <= now; });
  return static_cast<double>(count) / absl::ToDoubleSeconds(kRateWindow);
}

}  // namespace claimd::client
