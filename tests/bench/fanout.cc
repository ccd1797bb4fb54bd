#include "tests/bench/fanout.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace claimd::bench {
namespace {

// Polls (bounded) until every stream has received `revision` or ended.
bool AwaitRevision(const std::vector<std::unique_ptr<WatchStream>>& streams,
                   int64_t revision, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    bool all = true;
    for (const auto& stream : streams) {
      if (stream->last_revision() < revision && !stream->ended()) {
        all = false;
        break;
      }
    }
    if (all) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
}

// One write, waited for: its revision.
absl::StatusOr<int64_t> WriteOne(WriteOp& op, int64_t sequence) {
  LatencyHistogram ignored;
  WriteLoadOptions once;
  once.in_flight = 1;
  once.max_ops = 1;
  once.duration = absl::Seconds(60);
  once.first_sequence = sequence;
  WriteLoadResult result = RunWriteLoad(op, once, ignored, nullptr);
  if (result.ok != 1)
    return absl::UnavailableError(
        absl::StrCat("warm-up write failed: ", result.first_error));
  return result.last_revision;
}

std::string DescribeStreams(
    const std::vector<std::unique_ptr<WatchStream>>& streams,
    int64_t revision) {
  int behind = 0;
  int failed = 0;
  std::string first_error;
  for (const auto& stream : streams) {
    if (stream->last_revision() < revision) ++behind;
    if (stream->ended()) {
      ++failed;
      if (first_error.empty()) first_error = stream->error();
    }
  }
  if (behind == 0 && failed == 0) return "";
  return absl::StrCat(behind, " watchers missed events, ", failed, " ended",
                      first_error.empty() ? "" : ": ", first_error);
}

// Events lost or duplicated over all streams, 0 and 0 when every watcher
// received every revision once, in order.
std::pair<int64_t, int64_t> LostAndDuplicated(
    const std::vector<std::unique_ptr<WatchStream>>& streams) {
  int64_t lost = 0;
  int64_t duplicated = 0;
  for (const auto& stream : streams) {
    lost += stream->lost();
    duplicated += stream->duplicated();
  }
  return {lost, duplicated};
}

bool AwaitAll(
    const std::vector<std::vector<std::unique_ptr<WatchStream>>>& groups,
    int64_t revision, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (const auto& streams : groups) {
    if (!AwaitRevision(streams, revision, deadline - absl::Now())) return false;
  }
  return true;
}

void AppendNote(Measurement& m, absl::string_view part) {
  if (part.empty()) return;
  m.note = absl::StrCat(m.note, m.note.empty() ? "" : "; ", part);
}

}  // namespace

int64_t ResidentKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, " kB");
      int64_t kib = 0;
      return absl::SimpleAtoi(rest, &kib) ? kib : 0;
    }
  }
  return 0;
}

absl::StatusOr<Measurement> RunFanoutTrial(WriteOp& op,
                                           const Channels& watch_channels,
                                           const StartWatchFn& start_watch,
                                           const FanoutOptions& options) {
  absl::StatusOr<std::vector<Measurement>> measured = RunFanoutGroups(
      op, {{watch_channels, options.watchers, options.server_pid}}, start_watch,
      options);
  if (!measured.ok()) return measured.status();
  return measured->front();
}

absl::StatusOr<std::vector<Measurement>> RunFanoutGroups(
    WriteOp& op, const std::vector<WatcherGroup>& groups,
    const StartWatchFn& start_watch, const FanoutOptions& options) {
  int64_t sequence = options.load.first_sequence;
  absl::StatusOr<int64_t> before = WriteOne(op, sequence++);
  if (!before.ok()) return before.status();
  std::vector<int64_t> rss_before;
  rss_before.reserve(groups.size());
  for (const WatcherGroup& group : groups)
    rss_before.push_back(group.server_pid > 0 ? ResidentKib(group.server_pid)
                                              : 0);

  // Latencies only for the timed writes, which come after the warm-up one.
  const size_t capacity = static_cast<size_t>(
      options.rate > 0
          ? options.rate * absl::ToDoubleSeconds(options.load.duration) * 1.5 +
                options.load.in_flight + 1000
          : 4'000'000);
  std::optional<ChildWriteLoad> child;
  std::unique_ptr<AckTable> own_acks;
  AckTable* acks = nullptr;
  if (options.writer_process.has_value()) {
    absl::StatusOr<ChildWriteLoad> shared =
        ChildWriteLoad::Create(*before + 2, capacity);
    if (!shared.ok()) return shared.status();
    child.emplace(std::move(*shared));
    acks = &child->acks();
  } else {
    own_acks = std::make_unique<AckTable>(*before + 2, capacity);
    acks = own_acks.get();
  }
  std::vector<std::unique_ptr<DeliverySink>> sinks;
  std::vector<std::vector<std::unique_ptr<WatchStream>>> streams(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    sinks.push_back(std::make_unique<DeliverySink>(acks));
    streams[g].reserve(static_cast<size_t>(groups[g].watchers));
    for (int i = 0; i < groups[g].watchers; ++i) {
      const Channels& channels = groups[g].channels;
      streams[g].push_back(
          start_watch(*channels[static_cast<size_t>(i) % channels.size()],
                      *before + 1, sinks[g].get()));
    }
  }
  // Cancelled on every return: each waits for its reactor to finish.
  struct Canceller {
    std::vector<std::vector<std::unique_ptr<WatchStream>>>& streams;
    ~Canceller() {
      for (auto& group : streams) {
        for (auto& stream : group) stream->Cancel();
        group.clear();
      }
    }
  } canceller{streams};
  absl::StatusOr<int64_t> warm = WriteOne(op, sequence++);
  if (!warm.ok()) return warm.status();
  if (*warm != *before + 1)
    return absl::FailedPreconditionError(
        "another writer is using the server during the fan-out trial");
  if (!AwaitAll(streams, *warm, options.settle_timeout)) {
    std::string behind;
    for (const auto& group : streams)
      behind = absl::StrCat(behind, behind.empty() ? "" : "; ",
                            DescribeStreams(group, *warm));
    return absl::DeadlineExceededError(
        absl::StrCat("watchers not registered in time: ", behind));
  }
  std::vector<Measurement> measured(groups.size());
  std::vector<std::string> memory(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].server_pid <= 0) continue;
    // Freed memory is rarely returned to the system, so later trials reuse
    // what earlier ones grew: the absolute RSS is the figure to judge, the
    // growth per watcher is shown for the first trial's sake.
    const int64_t rss_after = ResidentKib(groups[g].server_pid);
    measured[g].extra = static_cast<double>(rss_after) / 1024;
    const int64_t per_watcher =
        (rss_after - rss_before[g]) / std::max(1, groups[g].watchers);
    memory[g] = absl::StrCat(per_watcher >= 0 ? "+" : "", per_watcher,
                             " KiB RSS/watcher");
  }
  for (auto& sink : sinks) sink->Reset();

  LatencyHistogram own_latency;
  const LatencyHistogram* write_latency = &own_latency;
  WriteLoadOptions load = options.load;
  load.rate = options.rate;
  load.first_sequence = sequence;
  load.max_ops =
      std::min<int64_t>(load.max_ops, static_cast<int64_t>(capacity));
  absl::Time start = absl::Now();
  WriteLoadResult written;
  if (child.has_value()) {
    absl::StatusOr<WriteLoadResult> result =
        child->Run(*options.writer_process, load);
    if (!result.ok()) return result.status();
    written = std::move(*result);
    start = child->started();
    write_latency = &child->latency();
  } else {
    written = RunWriteLoad(op, load, own_latency, acks);
  }
  const bool complete =
      AwaitAll(streams, written.last_revision, options.settle_timeout);
  const std::string writer = absl::StrCat(
      "writes ", static_cast<int64_t>(written.ops_per_second()),
      "/s, write p99 ",
      FormatFigure(absl::ToDoubleMilliseconds(write_latency->Percentile(0.99))),
      " ms");
  for (size_t g = 0; g < groups.size(); ++g) {
    Measurement& m = measured[g];
    const DeliverySink& sink = *sinks[g];
    const double seconds = absl::ToDoubleSeconds(sink.last_receipt() - start);
    if (seconds > 0) m.rate = static_cast<double>(sink.delivered()) / seconds;
    m.p50_ms = absl::ToDoubleMilliseconds(sink.latency().Percentile(0.50));
    m.p99_ms = absl::ToDoubleMilliseconds(sink.latency().Percentile(0.99));
    m.p999_ms = absl::ToDoubleMilliseconds(sink.latency().Percentile(0.999));
    const std::string missed =
        DescribeStreams(streams[g], written.last_revision);
    AppendNote(m, missed);
    const auto [lost, duplicated] = LostAndDuplicated(streams[g]);
    m.failed = !complete || !missed.empty() || written.failed > 0 || lost > 0 ||
               duplicated > 0;
    AppendNote(m, absl::StrCat(lost, " lost, ", duplicated, " duplicated"));
    if (sink.delivered() > 0) {
      AppendNote(m, absl::StrCat(sink.before_ack() * 100 / sink.delivered(),
                                 " % before the ack"));
    }
    AppendNote(m, memory[g]);
    if (!complete && missed.empty())
      AppendNote(m, "watchers did not catch up in time");
    if (written.failed > 0)
      AppendNote(m, absl::StrCat(written.failed,
                                 " writes failed: ", written.first_error));
    m.write_rate = written.ops_per_second();
    AppendNote(m, writer);
  }
  return measured;
}

absl::StatusOr<Measurement> RunCatchupTrial(grpc::Channel& channel,
                                            const StartWatchFn& start_watch,
                                            int64_t target_revision,
                                            absl::Duration timeout) {
  DeliverySink sink(nullptr);
  const absl::Time start = absl::Now();
  std::vector<std::unique_ptr<WatchStream>> streams;
  streams.push_back(start_watch(channel, 1, &sink));
  const bool complete = AwaitRevision(streams, target_revision, timeout);
  const absl::Duration elapsed = absl::Now() - start;
  Measurement measured;
  if (!complete || streams.front()->last_revision() < target_revision) {
    return absl::DeadlineExceededError(absl::StrCat(
        "catch-up reached revision ", streams.front()->last_revision(), " of ",
        target_revision, " in ", absl::FormatDuration(elapsed), " ",
        streams.front()->error()));
  }
  // Counted up to the target: the stream may have read a little further.
  measured.rate =
      static_cast<double>(target_revision) / absl::ToDoubleSeconds(elapsed);
  return measured;
}

}  // namespace claimd::bench
