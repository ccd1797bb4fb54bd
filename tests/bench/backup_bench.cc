// backup_bench: how long an online backup of a large store takes and what
// writers feel meanwhile (issue 14; figures in docs/BENCHMARKS.md).
//
//   build/tests/bench/backup_bench --work_dir=/tmp/bb --claims=1000000
//
// Builds a store of --claims claims (and as many updates again) with the store
// library, like claimbench's history store, then opens it as claimd does
// (synchronous=FULL, background checkpoints) and runs --writers threads of
// acknowledged updates: first alone for --baseline, then while
// store::BackupStore copies the store (the code `claimd backup` runs, with
// its own connections: in production it is another process reading the same
// files), then alone again. Prints write latency per phase, the backup's
// duration and size, the largest WAL seen, and how long verifying and
// restoring the file take. Timing figures only: nothing is asserted on them.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/core/mutation.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_backup.h"
#include "service/store/sqlite_claim_store.h"
#include "service/util/parse_flags.h"
#include "tests/bench/history_store.h"

ABSL_FLAG(std::string, work_dir, "",
          "Directory to work in (required): each run makes a new folder in "
          "it and removes it at the end");
ABSL_FLAG(int64_t, claims, 1000000, "Claims in the generated store");
ABSL_FLAG(int32_t, writers, 16, "Threads each doing acknowledged updates");
ABSL_FLAG(absl::Duration, baseline, absl::Seconds(5),
          "Write load alone before and after the backup");
ABSL_FLAG(int64_t, max_writes, 5000000, "Bound on writes across all phases");

namespace claimd::bench {
namespace {

enum Phase { kBefore = 0, kDuring = 1, kAfter = 2, kStop = 3 };
constexpr const char* kPhaseNames[] = {"before", "during", "after"};

struct Samples {
  absl::Mutex mutex;
  std::vector<double> ms[3] ABSL_GUARDED_BY(mutex);
  absl::Duration length[3];
  int64_t failures ABSL_GUARDED_BY(mutex) = 0;
};

core::Mutation UpdateOf(int64_t index, int64_t n) {
  core::UpdateClaimStatus update;
  update.claim_id = HistoryClaimId(index);
  update.status = n % 2 == 0 ? core::VerificationStatus::kConfirmed
                             : core::VerificationStatus::kDenied;
  update.evidence.source = "backup_bench";
  update.evidence.quote = absl::StrCat("write ", n);
  return core::Mutation{std::move(update), ""};
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t at = std::min(values.size() - 1,
                             static_cast<size_t>(p / 100.0 * values.size()));
  std::nth_element(values.begin(), values.begin() + at, values.end());
  return values[at];
}

int64_t FileBytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

int Run() {
  const std::string work = absl::GetFlag(FLAGS_work_dir);
  const int64_t claims = absl::GetFlag(FLAGS_claims);
  if (work.empty() || claims < 1) {
    std::fprintf(stderr, "backup_bench: give --work_dir and --claims >= 1\n");
    return 2;
  }
  std::filesystem::create_directories(work);
  std::string run_template = work + "/backup_bench.XXXXXX";
  if (mkdtemp(run_template.data()) == nullptr) {
    std::fprintf(stderr, "backup_bench: cannot make a folder in %s\n",
                 work.c_str());
    return 1;
  }
  const std::string run = run_template;
  struct RemoveRun {
    std::string path;
    ~RemoveRun() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_run{run};
  const std::string data = run + "/data";
  const std::string file = run + "/claims.cbk";
  std::filesystem::create_directories(data);
  absl::StatusOr<absl::Duration> generated =
      GenerateHistoryStore(data, claims, claims * 2);
  if (!generated.ok()) {
    std::fprintf(stderr, "generate: %s\n",
                 generated.status().ToString().c_str());
    return 1;
  }
  std::printf("store: %lld claims, %lld events, %.1f MiB, generated in %s\n",
              static_cast<long long>(claims),
              static_cast<long long>(claims) * 2,
              FileBytes(store::DatabasePath(data)) / 1048576.0,
              absl::FormatDuration(*generated).c_str());

  absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> opened =
      store::SqliteClaimStore::Open(store::DatabasePath(data), {});
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  store::SqliteClaimStore& live = **opened;
  std::atomic<int> phase{kBefore};
  std::atomic<int64_t> writes{0};
  Samples samples;
  std::vector<std::thread> writers;
  writers.reserve(absl::GetFlag(FLAGS_writers));
  for (int w = 0; w < absl::GetFlag(FLAGS_writers); ++w) {
    writers.emplace_back([&, w] {
      absl::BitGen gen;
      while (true) {
        const int now = phase.load();
        const int64_t n = writes.fetch_add(1);
        if (now == kStop || n >= absl::GetFlag(FLAGS_max_writes)) return;
        const absl::Time start = absl::Now();
        absl::StatusOr<core::MutationResult> result =
            live.Apply(UpdateOf(absl::Uniform<int64_t>(gen, 0, claims), n + w));
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        absl::MutexLock lock(&samples.mutex);
        if (!result.ok()) {
          ++samples.failures;
        } else {
          samples.ms[now].push_back(ms);
        }
      }
    });
  }
  const absl::Duration baseline = absl::GetFlag(FLAGS_baseline);
  absl::SleepFor(baseline);
  samples.length[kBefore] = baseline;

  phase = kDuring;
  std::atomic<int64_t> max_wal{0};
  std::atomic<bool> backing_up{true};
  std::thread wal_watch([&] {
    while (backing_up.load()) {
      max_wal = std::max<int64_t>(
          max_wal.load(), FileBytes(store::DatabasePath(data) + "-wal"));
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  const absl::Time backup_start = absl::Now();
  absl::StatusOr<store::BackupInfo> info = store::BackupStore(data, file);
  samples.length[kDuring] = absl::Now() - backup_start;
  backing_up = false;
  wal_watch.join();
  phase = kAfter;
  absl::SleepFor(baseline);
  samples.length[kAfter] = baseline;
  phase = kStop;
  for (std::thread& writer : writers) writer.join();
  live.Close();
  if (!info.ok()) {
    std::fprintf(stderr, "backup: %s\n", info.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "backup: revision %lld, %lld claims, %.1f MiB, took %s (copy, integrity "
      "check, checksum, fsync); largest WAL meanwhile %.1f MiB\n",
      static_cast<long long>(info->revision),
      static_cast<long long>(info->claims), FileBytes(file) / 1048576.0,
      absl::FormatDuration(samples.length[kDuring]).c_str(),
      max_wal.load() / 1048576.0);
  std::printf(
      "| phase | writes/s | p50 ms | p99 ms | max ms "
      "|\n|---|---:|---:|---:|---:|\n");
  {
    absl::MutexLock lock(&samples.mutex);
    for (int p = kBefore; p <= kAfter; ++p) {
      std::vector<double>& ms = samples.ms[p];
      const double max =
          ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
      std::printf("| %s backup | %.0f | %.2f | %.2f | %.1f |\n", kPhaseNames[p],
                  ms.size() / absl::ToDoubleSeconds(samples.length[p]),
                  Percentile(ms, 50), Percentile(ms, 99), max);
    }
    std::printf("failed writes: %lld\n",
                static_cast<long long>(samples.failures));
  }

  absl::Time start = absl::Now();
  absl::StatusOr<store::BackupInfo> verified = store::VerifyBackup(file);
  std::printf("backup-status (hash every byte): %s, %s\n",
              absl::FormatDuration(absl::Now() - start).c_str(),
              verified.ok() ? "ok" : verified.status().ToString().c_str());
  start = absl::Now();
  absl::StatusOr<store::RestoreResult> restored =
      store::RestoreStore(file, run + "/restored");
  std::printf("restore: %s, %s\n",
              absl::FormatDuration(absl::Now() - start).c_str(),
              restored.ok() ? "ok" : restored.status().ToString().c_str());
  return verified.ok() && restored.ok() ? 0 : 1;
}

}  // namespace
}  // namespace claimd::bench

int main(int argc, char** argv) {
  claimd::util::ParseFlagsOrExit(argc, argv);
  return claimd::bench::Run();
}
