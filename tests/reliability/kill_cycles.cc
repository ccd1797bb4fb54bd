#include "tests/reliability/kill_cycles.h"

#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "claims/v1/claims.grpc.pb.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/reliability/grpc_history.h"

namespace claimd::reliability {

std::string KillCycleFigures::Report() const {
  std::string text = absl::StrCat("cycles run ", cycles, " (", sigterm_cycles,
                                  " SIGTERM), writes attempted ",
                                  writes_attempted, ", ", check.Summary());
  if (!error.empty()) absl::StrAppend(&text, "\nerror: ", error);
  return text;
}

KillCycleFigures RunKillCycles(const KillCycleOptions& options) {
  KillCycleFigures figures;
  std::mt19937 random(options.seed);
  e2e::ClaimdHarness claimd(absl::StrCat(options.work_dir, "/data"),
                            options.work_dir, {"--progress_interval=300ms"});
  if (absl::Status started = claimd.Start(); !started.ok()) {
    figures.error = started.ToString();
    return figures;
  }
  std::shared_ptr<grpc::Channel> channel = claimd.NewChannel();
  HistoryLog history;
  std::vector<std::unique_ptr<WatchFollower>> watchers;
  watchers.reserve(options.watchers + options.filtered_watchers);
  for (int w = 0; w < options.watchers; ++w) {
    watchers.push_back(std::make_unique<WatchFollower>(
        absl::StrCat("watcher-", w), claimd.NewChannel(), 1));
  }
  for (int w = 0; w < options.filtered_watchers; ++w) {
    watchers.push_back(std::make_unique<WatchFollower>(
        absl::StrCat("cas-watcher-", w), claimd.NewChannel(), 1,
        std::string("cas-")));
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> attempted{0};
  std::vector<std::thread> writers;
  writers.reserve(options.writers);
  for (int w = 0; w < options.writers; ++w) {
    writers.emplace_back([&, w] {
      GrpcWorkload workload(claimd.NewChannel(), history,
                            absl::StrCat("s", options.seed, "w", w),
                            /*shared_claims=*/4);
      for (int step = 0; step < 100000000 && !stop.load(); ++step) {
        workload.Step(step, /*retries=*/3);
        attempted.fetch_add(1);
      }
    });
  }

  const absl::Time deadline = absl::Now() + options.duration;
  std::uniform_int_distribution<int64_t> uptime_ms(
      absl::ToInt64Milliseconds(options.min_uptime),
      absl::ToInt64Milliseconds(options.max_uptime));
  while (figures.cycles < options.cycles && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(uptime_ms(random)));
    ++figures.cycles;
    const bool term =
        options.term_every > 0 && figures.cycles % options.term_every == 0;
    if (term) {
      ++figures.sigterm_cycles;
      std::optional<e2e::ExitStatus> exit =
          claimd.Stop(SIGTERM, absl::Seconds(20));
      if (!exit.has_value() || !exit->Success()) {
        figures.error = absl::StrCat(
            "cycle ", figures.cycles, ": SIGTERM did not end claimd cleanly: ",
            exit.has_value() ? exit->ToString() : "still running after 20 s");
        break;
      }
    } else {
      claimd.KillNow();
    }
    if (absl::Status restarted = claimd.Start(claimd.port()); !restarted.ok()) {
      figures.error = absl::StrCat("cycle ", figures.cycles,
                                   ": restart failed: ", restarted.ToString());
      break;
    }
    if (options.verbose) {
      std::cerr << "cycle " << figures.cycles
                << (term ? " SIGTERM" : " SIGKILL") << ", requests so far "
                << attempted.load() << std::endl;
    }
  }
  stop = true;
  for (std::thread& writer : writers) writer.join();
  figures.writes_attempted = attempted.load();

  auto stub = claims::v1::ClaimService::NewStub(channel);
  absl::StatusOr<RecoveredLog> log = ReadGrpcLog(*stub);
  if (!log.ok()) {
    figures.error = absl::StrCat("reading the log: ", log.status().ToString());
    return figures;
  }
  std::vector<WatchStream> streams;
  for (auto& watcher : watchers) {
    if (!watcher->WaitForRevision(log->revision, absl::Seconds(30))) {
      absl::StrAppend(&figures.error, "watcher did not reach revision ",
                      log->revision, "; ");
    }
    watcher->Stop();
    streams.push_back(watcher->stream());
  }
  figures.check = CheckHistory(history.writes(), streams, *log);
  return figures;
}

}  // namespace claimd::reliability
