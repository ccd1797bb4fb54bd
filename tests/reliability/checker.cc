#include "tests/reliability/checker.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace claimd::reliability {
namespace {

// Enough to diagnose; a broken run could otherwise print millions of lines.
constexpr size_t kMaxViolations = 200;

class Checker {
 public:
  explicit Checker(const RecoveredLog& log) : log_(log) {
    for (const EventRecord& event : log.events) {
      by_revision_.emplace(event.revision, &event);
      ++tag_count_[event.tag];
    }
  }

  void CheckLog();
  void CheckWrites(const std::vector<WriteOp>& writes);
  void CheckCas(const std::vector<WriteOp>& writes);
  void CheckWatch(const WatchStream& stream);
  CheckResult Take() { return std::move(result_); }

 private:
  template <typename... Args>
  void Violation(const Args&... args) {
    if (result_.violations.size() < kMaxViolations)
      result_.violations.push_back(absl::StrCat(args...));
    else if (result_.violations.size() == kMaxViolations)
      result_.violations.push_back("... (more violations not listed)");
  }
  const EventRecord* At(int64_t revision) const {
    auto it = by_revision_.find(revision);
    return it == by_revision_.end() ? nullptr : it->second;
  }
  bool Trimmed(int64_t revision) const {
    return revision <= log_.compact_revision;
  }

  const RecoveredLog& log_;
  std::map<int64_t, const EventRecord*> by_revision_;
  absl::flat_hash_map<std::string, int> tag_count_;
  CheckResult result_;
};

void Checker::CheckLog() {
  int64_t expected = log_.compact_revision + 1;
  for (const auto& [revision, event] : by_revision_) {
    if (revision != expected)
      Violation("log: revision ", expected, " is missing (next is ", revision,
                ")");
    expected = revision + 1;
  }
  if (log_.events.size() != by_revision_.size())
    Violation("log: ", log_.events.size() - by_revision_.size(),
              " revisions appear more than once");
  if (!by_revision_.empty() && by_revision_.rbegin()->first != log_.revision)
    Violation("log: last event is at ", by_revision_.rbegin()->first,
              " but the store reports revision ", log_.revision);
  result_.events_checked += static_cast<int64_t>(log_.events.size());
}

void Checker::CheckWrites(const std::vector<WriteOp>& writes) {
  // Per request (tag): its acknowledged revisions and whether any attempt
  // could have applied.
  struct Request {
    std::set<int64_t> acked;
    bool maybe_applied = false;
  };
  std::map<std::string, Request> requests;
  for (const WriteOp& op : writes) {
    Request& request = requests[op.tag];
    if (op.outcome == Outcome::kOk) request.acked.insert(op.revision);
    if (op.outcome != Outcome::kFailed) request.maybe_applied = true;
  }
  for (const auto& [tag, request] : requests) {
    const int applied = tag_count_.contains(tag) ? tag_count_.at(tag) : 0;
    if (applied > 1)
      Violation("request ", tag, " took effect ", applied, " times");
    if (!request.maybe_applied && applied > 0)
      Violation("request ", tag,
                " failed with a definite error but is visible in the log");
    if (request.acked.empty()) continue;
    ++result_.writes_acknowledged;
    if (request.acked.size() > 1)
      Violation("request ", tag, " was acknowledged at ", request.acked.size(),
                " different revisions (from ", *request.acked.begin(), ")");
    const int64_t revision = *request.acked.begin();
    if (Trimmed(revision)) continue;
    const EventRecord* event = At(revision);
    if (event == nullptr || event->tag != tag) {
      ++result_.writes_lost;
      Violation("lost: request ", tag, " acknowledged at revision ", revision,
                event == nullptr
                    ? " is not in the log"
                    : absl::StrCat(" but the log has ", event->tag, " there"));
    }
  }
}

void Checker::CheckCas(const std::vector<WriteOp>& writes) {
  // Successful requests per (claim, expected revision).
  std::map<std::pair<std::string, int64_t>, std::set<std::string>> winners;
  for (const WriteOp& op : writes) {
    if (op.expected_revision <= 0 || op.outcome != Outcome::kOk) continue;
    winners[{op.claim_id, op.expected_revision}].insert(op.tag);
    if (Trimmed(op.expected_revision) || Trimmed(op.revision)) continue;
    // The claim's event just before this one must be the one it expected.
    int64_t previous = 0;
    for (auto it = by_revision_.lower_bound(op.revision);
         it != by_revision_.begin();) {
      --it;
      if (it->second->claim_id == op.claim_id) {
        previous = it->first;
        break;
      }
    }
    if (previous != op.expected_revision)
      Violation("CAS ", op.tag, " on claim ", op.claim_id,
                " expected revision ", op.expected_revision,
                " but was applied after revision ", previous);
  }
  for (const auto& [key, tags] : winners) {
    if (tags.size() > 1)
      Violation(tags.size(), " compare-and-set requests on claim ", key.first,
                " at revision ", key.second, " all succeeded (", *tags.begin(),
                ", ", *std::next(tags.begin()), ")");
  }
}

void Checker::CheckWatch(const WatchStream& stream) {
  const std::string& name = stream.name;
  // Matching log events, in order, to compare with what was delivered.
  std::vector<const EventRecord*> matching;
  for (const auto& [revision, event] : by_revision_) {
    if (absl::StartsWith(event->claim_id, stream.claim_prefix))
      matching.push_back(event);
  }
  absl::flat_hash_set<int64_t> delivered;
  int64_t last_event = 0;
  int64_t last_response = -1;  // none yet
  size_t next_expected = 0;    // index into `matching`
  // Everything matching up to a reported revision must be delivered by then.
  auto require_delivered_up_to = [&](int64_t reported) {
    while (next_expected < matching.size() &&
           matching[next_expected]->revision <= reported) {
      const int64_t revision = matching[next_expected]->revision;
      if (!delivered.contains(revision) && !Trimmed(revision))
        Violation("watch ", name, ": revision ", revision,
                  " was never delivered, yet the stream reported revision ",
                  reported);
      ++next_expected;
    }
  };
  for (size_t s = 0; s < stream.segments.size(); ++s) {
    const WatchSegment& segment = stream.segments[s];
    if (s == 0) {
      // Events before the first start are not this stream's business.
      while (next_expected < matching.size() &&
             matching[next_expected]->revision < segment.start_revision)
        ++next_expected;
      last_response = std::max<int64_t>(segment.start_revision - 1, 0);
    } else if (segment.start_revision > last_response + 1) {
      Violation("watch ", name, ": call ", s, " resumed at ",
                segment.start_revision, " but revision ", last_response,
                " was the last one reported");
    }
    for (const WatchResponse& response : segment.responses) {
      for (const EventRecord& event : response.events) {
        ++result_.events_checked;
        if (event.revision <= last_event) {
          Violation("watch ", name, ": revision ", event.revision,
                    delivered.contains(event.revision)
                        ? " delivered twice"
                        : " delivered out of order",
                    " (after ", last_event, ")");
        }
        last_event = std::max(last_event, event.revision);
        delivered.insert(event.revision);
        if (!absl::StartsWith(event.claim_id, stream.claim_prefix))
          Violation("watch ", name, ": revision ", event.revision, " of claim ",
                    event.claim_id, " does not match the filter");
        if (Trimmed(event.revision)) continue;
        const EventRecord* stored = At(event.revision);
        if (stored == nullptr || stored->claim_id != event.claim_id ||
            stored->tag != event.tag)
          Violation("watch ", name, ": revision ", event.revision,
                    " delivered as ", event.claim_id, "/", event.tag,
                    stored == nullptr
                        ? " is not in the log"
                        : absl::StrCat(" but the log has ", stored->claim_id,
                                       "/", stored->tag));
      }
      if (!response.events.empty() &&
          response.revision < response.events.back().revision)
        Violation("watch ", name, ": response revision ", response.revision,
                  " is behind its own event ", response.events.back().revision);
      if (response.revision < last_response)
        Violation("watch ", name, ": response revision went back from ",
                  last_response, " to ", response.revision);
      last_response = std::max(last_response, response.revision);
      require_delivered_up_to(last_response);
    }
    if (segment.ended && segment.code == 0)
      Violation("watch ", name, ": call ", s, " ended with OK");
    if (segment.resume_revision != 0) {
      // A resume point R promises everything matching before R was delivered
      // (it may be past the last response when non-matching revisions were
      // skipped), and must not go back.
      if (segment.resume_revision <= last_response)
        Violation("watch ", name, ": call ", s, " was told to resume at ",
                  segment.resume_revision, " but had reported revision ",
                  last_response);
      last_response = std::max(last_response, segment.resume_revision - 1);
      require_delivered_up_to(last_response);
    }
  }
}

}  // namespace

std::string CheckResult::Summary() const {
  std::string text =
      absl::StrCat("writes acknowledged ", writes_acknowledged,
                   ", writes lost ", writes_lost, ", events checked ",
                   events_checked, ", violations ", violations.size());
  for (size_t i = 0; i < violations.size() && i < 20; ++i)
    absl::StrAppend(&text, "\n  ", violations[i]);
  return text;
}

CheckResult CheckHistory(const std::vector<WriteOp>& writes,
                         const std::vector<WatchStream>& watches,
                         const RecoveredLog& log) {
  Checker checker(log);
  checker.CheckLog();
  checker.CheckWrites(writes);
  checker.CheckCas(writes);
  for (const WatchStream& stream : watches) checker.CheckWatch(stream);
  return checker.Take();
}

}  // namespace claimd::reliability
