// claimd: flags and wiring only. Opens the data directory, the store and the
// watch hub, starts the gRPC server, and turns SIGTERM/SIGINT into a graceful
// shutdown (a second signal exits at once).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/api/grpc_log_bridge.h"
#include "service/api/server.h"
#include "service/build_info.h"
#include "service/core/history_compactor.h"
#include "service/core/watch_hub.h"
#include "service/observability.h"
#include "service/security_flags.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store_commands.h"
#include "service/store_factory/open_claim_store.h"
#include "service/util/log.h"
#include "service/util/parse_flags.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve gRPC on, HOST:PORT ([::1]:PORT for IPv6; port 0 "
          "picks a free one)");
ABSL_FLAG(std::string, store, "sqlite",
          "Storage backend: sqlite (embedded, in --data_dir) or etcd (an etcd "
          "v3 cluster shared by any number of claimd replicas: "
          "--etcd_endpoints)");
ABSL_FLAG(std::string, etcd_endpoints, "",
          "With --store=etcd: the etcd members, HOST:PORT,HOST:PORT,... (IP "
          "addresses, or one DNS name that resolves to every member)");
ABSL_FLAG(std::string, etcd_cacert, "",
          "With --store=etcd: PEM file of the CA that signed etcd's server "
          "certificates (empty: plaintext)");
ABSL_FLAG(std::string, etcd_cert, "",
          "With --store=etcd: PEM client certificate for etcd (with "
          "--etcd_key)");
ABSL_FLAG(std::string, etcd_key, "",
          "With --store=etcd: PEM private key of --etcd_cert");
ABSL_FLAG(std::string, etcd_prefix, "/claimd/",
          "With --store=etcd: the key prefix of this deployment's data (ends "
          "with /; deployments sharing a cluster use different ones)");
ABSL_FLAG(absl::Duration, etcd_request_timeout, absl::Seconds(5),
          "With --store=etcd: how long one etcd request may take before a "
          "read fails UNAVAILABLE (its small reads are sent again after "
          "0.5 s without an answer, the last attempt waiting for all the time "
          "left, so that a member that hangs costs 0.5 s, not this long). A "
          "write's commit is sent again after 0.5 s too (for a member or "
          "leader that died or hangs), for up to twice this long; "
          "then its writes fail "
          "UNAVAILABLE and may or may not have been applied (retry with the "
          "same request_id)");
ABSL_FLAG(absl::Duration, etcd_compaction_interval, absl::Minutes(5),
          "With --store=etcd: how often etcd's own MVCC history is compacted "
          "(to the etcd revision seen one interval earlier)");
ABSL_FLAG(std::string, data_dir, "./claimd-data",
          "Directory for the embedded store (created if missing; locked while "
          "claimd runs)");
ABSL_FLAG(
    bool, durable, true,
    "Sync every commit to disk before acknowledging it (SQLite "
    "synchronous=FULL). "
    "false is faster but an acknowledged write can be lost on power failure");
ABSL_FLAG(int32_t, store_cache_mib, 64,
          "Page cache of the store's writer connection, in MiB (filled as "
          "pages are read; the readers keep SQLite's default 2 MiB each); "
          "four times it bounds the claims it wrote last, kept decoded");
ABSL_FLAG(int32_t, max_batch, 512,
          "Most mutations committed in one transaction (group commit)");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(5),
          "How often an idle watch stream gets a progress message with the "
          "current revision");
ABSL_FLAG(int64_t, watch_cache_events, 100000,
          "Recent events kept in memory for watchers; older ones are read from "
          "the store");
ABSL_FLAG(int64_t, watch_cache_mib, 64,
          "Memory bound of the in-memory event window, in MiB, and again of "
          "the events' serialised form the watch streams share");
ABSL_FLAG(int32_t, catch_up_threads, 2,
          "Threads reading history for watchers that are behind");
ABSL_FLAG(int32_t, fanout_threads, 2,
          "Threads preparing watch messages and replies after a commit");
ABSL_FLAG(int32_t, read_threads, -1,
          "Threads running GetClaim, ListClaims and ListClaimEvents; 0 runs "
          "them on gRPC's own threads. -1 (default): 32 with --store=etcd, "
          "whose reads wait on etcd (and concurrent ones share a round trip), "
          "0 with --store=sqlite");
ABSL_FLAG(int64_t, history_retention, 0,
          "Revisions of history to keep (0 keeps all). Watchers resuming from "
          "older revisions "
          "get OUT_OF_RANGE and must re-snapshot");
ABSL_FLAG(absl::Duration, compaction_interval, absl::Minutes(1),
          "How often history beyond --history_retention is trimmed");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT, how long in-flight calls get to finish");
ABSL_FLAG(int32_t, max_receive_message_bytes, 4 << 20,
          "Largest request message accepted");
ABSL_FLAG(int64_t, max_snapshot_mib, 64,
          "Most memory one WatchClaims initial_snapshot may hold, in MiB "
          "(RESOURCE_EXHAUSTED beyond: narrow the filter or page ListClaims)");
ABSL_FLAG(int64_t, snapshot_memory_mib, 256,
          "Most memory all initial snapshots, and the messages of watches "
          "catching up from history older than the watch window, may hold "
          "together until sent, in MiB (RESOURCE_EXHAUSTED beyond, until "
          "streams have sent theirs)");

// Observability.
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Address to serve Prometheus metrics on, at /metrics (HOST:PORT; "
          "port 0 picks a free one; empty turns metrics off). claimd exits "
          "if it cannot bind it");
ABSL_FLAG(std::string, log_format, "text",
          "Log lines on stderr: text, or json (one object per line)");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log lines written: debug (adds one line per call), "
          "info, warning or error");

namespace {

// Exit codes beyond 0 (stopped by a signal), 1 (cannot start) and 2 (bad
// flags): both ask the supervisor for a restart.
constexpr int kExitMemoryCeiling = 3;  // memory_guard.h
constexpr int kExitListenerFailed = 4;

// Set (from a gRPC thread) when gRPC's listener stopped accepting for good;
// SIGUSR1 then wakes the main thread.
std::atomic<bool> g_listener_failed{false};

void OnListenerFailure() {
  g_listener_failed.store(true);
  kill(getpid(), SIGUSR1);
}

// Each connection takes a file handle, and gRPC 1.51 stops accepting for good
// the first time accept() finds none free; so use every handle the hard limit
// allows. (gRPC 1.51 cannot bound its connections: in the shipped setups
// HAProxy's maxconn keeps them well below this.)
void RaiseFileHandleLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      getrlimit(RLIMIT_NOFILE, &limit);
    }
  }
  if (limit.rlim_cur != before) {
    claimd::util::LogInfo("file handles: soft limit raised from ", before,
                          " to ", limit.rlim_cur);
  }
  if (limit.rlim_cur < 4096) {
    claimd::util::LogWarning(
        "file handles: the limit is ", limit.rlim_cur,
        "; past it gRPC stops accepting connections and claimd exits (code ",
        kExitListenerFailed,
        ") to be restarted: raise it (LimitNOFILE=, "
        "ulimit -n) or keep a proxy's maxconn well below it");
  }
}

// Blocks SIGTERM/SIGINT in every thread (call before any thread starts) so that
// WaitForSignal receives them synchronously instead of interrupting gRPC
// threads.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);   // reloads the credentials file
  sigaddset(&signals, SIGUSR1);  // OnListenerFailure
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

// Flags that would make claimd misbehave rather than fail are refused at start.
absl::Status ValidateFlags() {
  auto positive = [](bool ok, absl::string_view what) {
    return ok ? absl::OkStatus()
              : absl::InvalidArgumentError(
                    absl::StrCat("--", what, " must be positive"));
  };
  for (absl::Status status : {
           positive(absl::GetFlag(FLAGS_max_batch) > 0, "max_batch"),
           positive(
               absl::GetFlag(FLAGS_progress_interval) > absl::ZeroDuration(),
               "progress_interval"),
           positive(
               absl::GetFlag(FLAGS_compaction_interval) > absl::ZeroDuration(),
               "compaction_interval"),
           positive(absl::GetFlag(FLAGS_watch_cache_events) > 0,
                    "watch_cache_events"),
           positive(absl::GetFlag(FLAGS_watch_cache_mib) > 0,
                    "watch_cache_mib"),
           positive(absl::GetFlag(FLAGS_catch_up_threads) > 0,
                    "catch_up_threads"),
           positive(absl::GetFlag(FLAGS_fanout_threads) > 0, "fanout_threads"),
           absl::GetFlag(FLAGS_read_threads) >= -1
               ? absl::OkStatus()
               : absl::InvalidArgumentError(
                     "--read_threads must be 0 or more (or -1: chosen by "
                     "--store)"),
           positive(absl::GetFlag(FLAGS_max_receive_message_bytes) > 0,
                    "max_receive_message_bytes"),
           positive(absl::GetFlag(FLAGS_max_snapshot_mib) > 0,
                    "max_snapshot_mib"),
           positive(absl::GetFlag(FLAGS_snapshot_memory_mib) > 0,
                    "snapshot_memory_mib"),
       }) {
    if (!status.ok()) return status;
  }
  if (absl::GetFlag(FLAGS_history_retention) < 0) {
    return absl::InvalidArgumentError(
        "--history_retention must be 0 (keep all) or positive");
  }
  if (absl::GetFlag(FLAGS_shutdown_grace) < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }
  return absl::OkStatus();
}

int Run(const std::vector<char*>& positional) {
  if (std::optional<int> exit_code = claimd::MaybeRunStoreCommand(
          positional, absl::GetFlag(FLAGS_data_dir))) {
    return *exit_code;
  }
  if (absl::Status logs = claimd::ConfigureLogs(absl::GetFlag(FLAGS_log_format),
                                                absl::GetFlag(FLAGS_log_level));
      !logs.ok()) {
    claimd::util::LogError(logs.message());
    return 2;
  }
  if (std::optional<int> exit_code = claimd::MaybeHashToken()) {
    return *exit_code;
  }
  if (absl::Status flags = ValidateFlags(); !flags.ok()) {
    claimd::util::LogError(flags.message());
    return 2;
  }
  if (absl::Status tls = claimd::CheckTlsFiles(); !tls.ok()) {
    claimd::util::LogError(tls.message());
    return 2;
  }
  absl::StatusOr<claimd::store_factory::StoreBackend> backend =
      claimd::store_factory::ParseStoreBackend(absl::GetFlag(FLAGS_store));
  if (!backend.ok()) {
    claimd::util::LogError(backend.status().message());
    return 2;
  }
  const bool etcd = *backend == claimd::store_factory::StoreBackend::kEtcd;
  if (etcd && absl::GetFlag(FLAGS_etcd_endpoints).empty()) {
    claimd::util::LogError("--store=etcd needs --etcd_endpoints");
    return 2;
  }
  sigset_t signals = BlockShutdownSignals();
  RaiseFileHandleLimit();
  claimd::api::SetListenerFailureHandler(&OnListenerFailure);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  // The embedded store's directory is locked; etcd replicas share no files.
  std::optional<claimd::store::DataDirLock> lock;
  if (!etcd) {
    absl::StatusOr<claimd::store::DataDirLock> locked =
        claimd::store::LockDataDir(data_dir);
    if (!locked.ok()) {
      claimd::util::LogError(locked.status().message());
      return 1;
    }
    lock.emplace(std::move(*locked));
  }
  absl::StatusOr<claimd::MetricsExport> metrics =
      claimd::StartMetrics(absl::GetFlag(FLAGS_metrics_listen), *backend);
  if (!metrics.ok()) {
    claimd::util::LogError(metrics.status().message());
    return 1;
  }

  claimd::core::WatchHub hub(claimd::core::WatchHubOptions{
      .max_events =
          static_cast<size_t>(absl::GetFlag(FLAGS_watch_cache_events)),
      .max_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_watch_cache_mib))
                   << 20});
  claimd::store_factory::ClaimStoreOptions store_options;
  store_options.backend = *backend;
  store_options.observer = &hub;
  store_options.metrics = metrics->metrics.get();
  store_options.sqlite_metrics = metrics->sqlite.get();
  store_options.etcd_metrics = metrics->etcd.get();
  store_options.sqlite = {
      .database_path = claimd::store::DatabasePath(data_dir),
      .durable = absl::GetFlag(FLAGS_durable),
      .writer_cache_mib = absl::GetFlag(FLAGS_store_cache_mib),
      .max_batch = absl::GetFlag(FLAGS_max_batch)};
  store_options.etcd = {
      .endpoints = absl::StrSplit(absl::GetFlag(FLAGS_etcd_endpoints), ',',
                                  absl::SkipWhitespace()),
      .cacert_file = absl::GetFlag(FLAGS_etcd_cacert),
      .cert_file = absl::GetFlag(FLAGS_etcd_cert),
      .key_file = absl::GetFlag(FLAGS_etcd_key),
      .prefix = absl::GetFlag(FLAGS_etcd_prefix),
      .request_timeout = absl::GetFlag(FLAGS_etcd_request_timeout),
      .compaction_interval = absl::GetFlag(FLAGS_etcd_compaction_interval)};
  const std::string where =
      etcd ? absl::StrCat("etcd ", absl::GetFlag(FLAGS_etcd_endpoints), " ",
                          absl::GetFlag(FLAGS_etcd_prefix))
           : data_dir;
  absl::StatusOr<std::unique_ptr<claimd::core::ClaimStore>> store =
      claimd::store_factory::OpenClaimStore(store_options);
  if (!store.ok()) {
    claimd::util::LogError("cannot open the store in ", where, ": ",
                           store.status().ToString());
    return 1;
  }

  claimd::api::ServerOptions options{
      .listen_address = absl::GetFlag(FLAGS_listen),
      .watch = {.progress_interval = absl::GetFlag(FLAGS_progress_interval),
                .max_snapshot_bytes = static_cast<size_t>(
                    absl::GetFlag(FLAGS_max_snapshot_mib) << 20),
                .snapshot_memory_bytes = static_cast<size_t>(
                    absl::GetFlag(FLAGS_snapshot_memory_mib) << 20),
                .event_bytes_cache_bytes = static_cast<size_t>(
                    absl::GetFlag(FLAGS_watch_cache_mib) << 20)},
      .catch_up_threads = absl::GetFlag(FLAGS_catch_up_threads),
      .fanout_threads = absl::GetFlag(FLAGS_fanout_threads),
      .read_threads = absl::GetFlag(FLAGS_read_threads) >= 0
                          ? absl::GetFlag(FLAGS_read_threads)
                          : (etcd ? 32 : 0),
      .max_receive_message_bytes =
          absl::GetFlag(FLAGS_max_receive_message_bytes),
      .metrics = metrics->metrics.get()};
  // Over etcd other replicas can serve: watchers of a replica that has not
  // reached etcd for 3 s more (NOT_SERVING: its probe already failed for 2 s,
  // longer than an election takes) are told to resume on one of them.
  if (etcd) options.end_watches_after_unhealthy = absl::Seconds(3);
  absl::StatusOr<claimd::SecuritySetup> security =
      claimd::ApplySecurityFlags(options);
  if (!security.ok()) {
    claimd::util::LogError(security.status().message());
    return 2;
  }
  // Every response says which claimd answered (`claimctl version` shows it).
  const claimd::metrics::BuildInfo build = claimd::CurrentBuildInfo();
  options.version = absl::StrCat(build.version, " (", build.commit, ")");
  options.on_memory_exit = [](const std::string& reason) {
    claimd::util::LogError(reason, "; exiting (code ", kExitMemoryCeiling,
                           ") for the supervisor to restart claimd");
    // No graceful shutdown: it would need memory, and the host's is at stake.
    _exit(kExitMemoryCeiling);
  };
  absl::StatusOr<std::unique_ptr<claimd::api::ClaimServer>> server =
      claimd::api::ClaimServer::Start(options, store->get(), &hub);
  if (!server.ok()) {
    claimd::util::LogError(server.status().message());
    return 1;
  }
  // Beside the server, not inside it: trimming history is the store's
  // business, not the gRPC layer's.
  claimd::core::HistoryCompactor compactor(
      store->get(), {.retention = absl::GetFlag(FLAGS_history_retention),
                     .interval = absl::GetFlag(FLAGS_compaction_interval)});
  compactor.Start();
  claimd::util::LogInfo(
      "serving claims.v1 on ", options.listen_address, " (port ",
      (*server)->port(), "), data in ", where, ", revision ",
      (*store)->CurrentRevision(),
      absl::GetFlag(FLAGS_durable) ? "" : ", NOT durable (--durable=false)");

  int first = WaitForSignal(signals);
  for (; first == SIGHUP || (first == SIGUSR1 && !g_listener_failed.load());
       first = WaitForSignal(signals)) {
    if (first == SIGUSR1 || security->authenticator == nullptr) continue;
    absl::Status reloaded = security->authenticator->Reload();
    if (reloaded.ok()) {
      claimd::util::LogInfo("SIGHUP: reloaded the credentials file");
    } else {
      claimd::util::LogError("SIGHUP: keeping the previous credentials: ",
                             reloaded.message());
    }
  }
  sigdelset(&signals, SIGHUP);  // a SIGHUP while stopping stays pending
  sigdelset(&signals, SIGUSR1);
  const bool listener_failed = first == SIGUSR1;
  if (listener_failed) {
    (*server)->health().SetCondition(
        claimd::api::HealthService::Condition::kListenerFailed, true);
    claimd::util::LogError(
        "gRPC stopped accepting connections (out of file handles?) and never "
        "resumes: health NOT_SERVING; shutting down to exit with code ",
        kExitListenerFailed, " for the supervisor to restart claimd");
  } else {
    claimd::util::LogInfo("received signal ", first,
                          "; shutting down (send it again to exit now)");
  }
  std::thread second_signal([signals] {
    WaitForSignal(signals);
    claimd::util::LogWarning("second signal: exiting now");
    _exit(1);
  });
  second_signal.detach();

  // First: no compaction may still run while the store is closing.
  compactor.Stop();
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  (*store)->Close();
  claimd::util::LogInfo("stopped cleanly at revision ",
                        (*store)->CurrentRevision());
  return listener_failed ? kExitListenerFailed : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil keeps its debug checks, so every Mutex would maintain a
  // lock-order graph (about 1.5 % of claimd's CPU under write load, by perf).
  // The in-process tests keep it to catch lock-order inversions; the server
  // does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "claimd keeps the verification status of claims and streams every "
      "change.\n"
      "Usage: claimd [--listen=127.0.0.1:50051] [--data_dir=./claimd-data] "
      "[flags]\n"
      "Stop it with SIGTERM or Ctrl-C (a second one exits at once).\n"
      "Backups: claimd backup FILE, claimd backup-status FILE, claimd restore "
      "FILE (docs/BACKUP.md).");
  absl::FlagsUsageConfig usage;
  // --help lists claimd's own flags (all defined in this file), not Abseil's or
  // gRPC's.
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "service/main.cc") ||
           absl::EndsWith(path, "service/security_flags.cc") ||
           absl::EndsWith(path, "service/store_commands.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] { return claimd::VersionText(); };
  absl::SetFlagsUsageConfig(usage);
  return Run(claimd::util::ParseFlagsOrExit(argc, argv));
}
