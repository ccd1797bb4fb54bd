#include "tests/bench/fanout.h"

#include <fstream>
#include <string>
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
  int64_t sequence = options.load.first_sequence;
  absl::StatusOr<int64_t> before = WriteOne(op, sequence++);
  if (!before.ok()) return before.status();
  const int64_t rss_before =
      options.server_pid > 0 ? ResidentKib(options.server_pid) : 0;

  // Latencies only for the timed writes, which come after the warm-up one.
  const size_t capacity = static_cast<size_t>(
      options.rate > 0
          ? options.rate * absl::ToDoubleSeconds(options.load.duration) * 1.5 +
                options.load.in_flight + 1000
          : 4'000'000);
  AckTable acks(*before + 2, capacity);
  DeliverySink sink(&acks);
  std::vector<std::unique_ptr<WatchStream>> streams;
  streams.reserve(static_cast<size_t>(options.watchers));
  for (int i = 0; i < options.watchers; ++i) {
    streams.push_back(start_watch(
        *watch_channels[static_cast<size_t>(i) % watch_channels.size()],
        *before + 1, &sink));
  }
  absl::StatusOr<int64_t> warm = WriteOne(op, sequence++);
  if (!warm.ok()) return warm.status();
  if (*warm != *before + 1)
    return absl::FailedPreconditionError(
        "another writer is using the server during the fan-out trial");
  if (!AwaitRevision(streams, *warm, options.settle_timeout))
    return absl::DeadlineExceededError(absl::StrCat(
        "watchers not registered in time: ", DescribeStreams(streams, *warm)));
  Measurement measured;
  std::string memory;
  if (options.server_pid > 0) {
    // Freed memory is rarely returned to the system, so later trials reuse
    // what earlier ones grew: the absolute RSS is the figure to judge, the
    // growth per watcher is shown for the first trial's sake.
    const int64_t rss_after = ResidentKib(options.server_pid);
    measured.extra = static_cast<double>(rss_after) / 1024;
    const int64_t per_watcher =
        (rss_after - rss_before) / std::max(1, options.watchers);
    memory = absl::StrCat(per_watcher >= 0 ? "+" : "", per_watcher,
                          " KiB RSS/watcher");
  }
  sink.Reset();

  LatencyHistogram write_latency;
  WriteLoadOptions load = options.load;
  load.rate = options.rate;
  load.first_sequence = sequence;
  load.max_ops =
      std::min<int64_t>(load.max_ops, static_cast<int64_t>(capacity));
  const absl::Time start = absl::Now();
  WriteLoadResult written = RunWriteLoad(op, load, write_latency, &acks);
  const bool complete =
      AwaitRevision(streams, written.last_revision, options.settle_timeout);
  const double seconds = absl::ToDoubleSeconds(sink.last_receipt() - start);
  if (seconds > 0)
    measured.rate = static_cast<double>(sink.delivered()) / seconds;
  measured.p50_ms = absl::ToDoubleMilliseconds(sink.latency().Percentile(0.50));
  measured.p99_ms = absl::ToDoubleMilliseconds(sink.latency().Percentile(0.99));
  measured.p999_ms =
      absl::ToDoubleMilliseconds(sink.latency().Percentile(0.999));
  measured.note = DescribeStreams(streams, written.last_revision);
  measured.failed = !complete || !measured.note.empty() || written.failed > 0;
  if (sink.delivered() > 0) {
    measured.note = absl::StrCat(
        measured.note, measured.note.empty() ? "" : "; ",
        sink.before_ack() * 100 / sink.delivered(), " % before the ack");
  }
  if (!memory.empty())
    measured.note = absl::StrCat(measured.note, "; ", memory);
  if (!complete && measured.note.empty())
    measured.note = "watchers did not catch up in time";
  if (written.failed > 0)
    measured.note =
        absl::StrCat(measured.note, measured.note.empty() ? "" : "; ",
                     written.failed, " writes failed: ", written.first_error);
  measured.write_rate = written.ops_per_second();
  measured.note = absl::StrCat(
      measured.note, measured.note.empty() ? "" : "; ", "writes ",
      static_cast<int64_t>(written.ops_per_second()), "/s, write p99 ",
      FormatFigure(absl::ToDoubleMilliseconds(write_latency.Percentile(0.99))),
      " ms");
  for (auto& stream : streams) stream->Cancel();
  streams.clear();  // each waits for its reactor to finish
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
