// EtcdCluster (see etcd_cluster.h).
#include "tests/etcd/etcd_cluster.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace claimd::testing {
namespace {

constexpr char kEtcd[] = "/usr/bin/etcd";
constexpr char kEtcdctl[] = "/usr/bin/etcdctl";

// The number after `"name":` in etcdctl's JSON, from `from` on.
bool NumberAfter(const std::string& json, absl::string_view name, size_t& from,
                 uint64_t* value) {
  const std::string needle = absl::StrCat("\"", name, "\":");
  const size_t at = json.find(needle, from);
  if (at == std::string::npos) return false;
  size_t begin = at + needle.size();
  size_t end = begin;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
  from = end;
  return absl::SimpleAtoi(json.substr(begin, end - begin), value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(
    const std::string& dir, int members, const std::optional<EtcdTls>& tls) {
  // A port taken between picking and binding makes a member exit: start over
  // with new ports (bounded).
  absl::Status last = absl::OkStatus();
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<int> clients, peers;
    for (int i = 0; i < members; ++i) {
      absl::StatusOr<int> client = e2e::PickFreePort();
      absl::StatusOr<int> peer = e2e::PickFreePort();
      if (!client.ok()) return client.status();
      if (!peer.ok()) return peer.status();
      clients.push_back(*client);
      peers.push_back(*peer);
    }
    std::unique_ptr<EtcdCluster> cluster(
        new EtcdCluster(absl::StrCat(dir, "/try", attempt), std::move(clients),
                        std::move(peers), tls));
    last = absl::OkStatus();
    for (int i = 0; i < members && last.ok(); ++i)
      last = cluster->StartMember(i, true);
    if (last.ok()) last = cluster->WaitHealthy(absl::Seconds(60));
    if (last.ok()) return cluster;
  }
  return last;
}

EtcdCluster::EtcdCluster(std::string dir, std::vector<int> client_ports,
                         std::vector<int> peer_ports,
                         std::optional<EtcdTls> tls)
    : dir_(std::move(dir)),
      client_ports_(std::move(client_ports)),
      peer_ports_(std::move(peer_ports)),
      tls_(std::move(tls)) {
  std::vector<std::string> cluster;
  for (size_t i = 0; i < client_ports_.size(); ++i) {
    endpoints_.push_back(absl::StrCat("127.0.0.1:", client_ports_[i]));
    cluster.push_back(
        absl::StrCat("n", i, "=http://127.0.0.1:", peer_ports_[i]));
  }
  initial_cluster_ = absl::StrJoin(cluster, ",");
  members_.resize(client_ports_.size());
}

EtcdCluster::~EtcdCluster() {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i] != nullptr) {
      members_[i]->Signal(SIGCONT);
      members_[i]->Kill();
    }
  }
}

std::string EtcdCluster::EndpointList() const {
  return absl::StrJoin(endpoints_, ",");
}

absl::Status EtcdCluster::StartMember(int index, bool fresh) {
  const std::string name = absl::StrCat("n", index);
  const std::string client =
      absl::StrCat(tls_.has_value() ? "https" : "http",
                   "://127.0.0.1:", client_ports_[index]);
  const std::string peer =
      absl::StrCat("http://127.0.0.1:", peer_ports_[index]);
  std::vector<std::string> args = {
      "--name",
      name,
      "--data-dir",
      absl::StrCat(dir_, "/", name),
      "--listen-client-urls",
      client,
      "--advertise-client-urls",
      client,
      "--listen-peer-urls",
      peer,
      "--initial-advertise-peer-urls",
      peer,
      "--initial-cluster",
      initial_cluster_,
      "--initial-cluster-state",
      fresh ? "new" : "existing",
      "--initial-cluster-token",
      "claimd-test",
      // A loaded test machine: elections must not flap under load, yet a
      // killed leader must be replaced within seconds.
      "--heartbeat-interval",
      "100",
      "--election-timeout",
      "1000",
      "--logger",
      "zap",
      "--log-level",
      "warn",
  };
  if (tls_.has_value()) {
    args.insert(args.end(), {"--cert-file", tls_->server_cert, "--key-file",
                             tls_->server_key, "--trusted-ca-file", tls_->ca,
                             "--client-cert-auth"});
  }
  absl::StatusOr<std::unique_ptr<e2e::Process>> process = e2e::Process::Start(
      kEtcd, args, absl::StrCat(dir_, "-etcd-", index, ".out"),
      absl::StrCat(dir_, "-etcd-", index, ".err"));
  if (!process.ok()) return process.status();
  members_[index] = std::move(*process);
  return absl::OkStatus();
}

void EtcdCluster::Kill(int index) {
  if (members_[index] == nullptr) return;
  members_[index]->Signal(SIGCONT);
  members_[index]->Kill();
  members_[index].reset();
}

absl::Status EtcdCluster::Restart(int index) {
  Kill(index);
  return StartMember(index, false);
}

namespace {

// Whether every thread of `pid` is stopped ('T' in /proc/PID/task/TID/stat).
bool AllThreadsStopped(pid_t pid) {
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  std::error_code error;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // "TID (comm) S ...": the state follows the last ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    if (line[close + 2] != 'T' && line[close + 2] != 't') return false;
    any = true;
  }
  return any && !error;
}

}  // namespace

void EtcdCluster::Stop(int index) {
  if (members_[index] == nullptr) return;
  members_[index]->Signal(SIGSTOP);
  // kill() only queues the signal: on a loaded machine the member may run on
  // (and commit a write a test expects to fail) until it is scheduled. Wait
  // until every thread has stopped (bounded).
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!AllThreadsStopped(members_[index]->pid()) && absl::Now() < give_up)
    absl::SleepFor(absl::Milliseconds(5));
}

void EtcdCluster::Continue(int index) {
  if (members_[index] != nullptr) members_[index]->Signal(SIGCONT);
}

absl::StatusOr<std::string> EtcdCluster::Etcdctl(
    const std::string& endpoints, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--endpoints",       endpoints,
                                  "--dial-timeout",    "2s",
                                  "--command-timeout", "3s"};
  if (tls_.has_value()) {
    all.insert(all.end(), {"--cacert", tls_->ca, "--cert", tls_->client_cert,
                           "--key", tls_->client_key});
  }
  all.insert(all.end(), args.begin(), args.end());
  const int run = etcdctl_runs_++;
  absl::StatusOr<std::unique_ptr<e2e::Process>> process = e2e::Process::Start(
      kEtcdctl, all, absl::StrCat(dir_, "-etcdctl-", run, ".out"),
      absl::StrCat(dir_, "-etcdctl-", run, ".err"));
  if (!process.ok()) return process.status();
  std::optional<e2e::ExitStatus> exit = (*process)->Wait(absl::Seconds(10));
  if (!exit.has_value()) {
    (*process)->Kill();
    return absl::UnavailableError("etcdctl did not finish in 10 s");
  }
  if (!exit->Success()) {
    return absl::UnavailableError(
        absl::StrCat("etcdctl ", absl::StrJoin(args, " "), ": ",
                     exit->ToString(), ": ", (*process)->ReadStderr()));
  }
  return (*process)->ReadStdout();
}

absl::Status EtcdCluster::WaitHealthy(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> running;
  for (int i = 0; i < size(); ++i) {
    if (members_[i] != nullptr) running.push_back(endpoints_[i]);
  }
  absl::Status last = absl::OkStatus();
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> health =
        Etcdctl(absl::StrJoin(running, ","), {"endpoint", "health"});
    if (health.ok()) return absl::OkStatus();
    last = health.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::UnavailableError(
      absl::StrCat("etcd cluster not healthy: ", last.message()));
}

absl::StatusOr<int> EtcdCluster::Leader() {
  for (int i = 0; i < size(); ++i) {
    if (members_[i] == nullptr) continue;
    absl::StatusOr<std::string> status =
        Etcdctl(endpoints_[i], {"endpoint", "status", "-w", "json"});
    if (!status.ok()) continue;
    size_t at = 0;
    uint64_t member_id = 0, leader = 0;
    if (!NumberAfter(*status, "member_id", at, &member_id)) continue;
    at = 0;
    if (!NumberAfter(*status, "leader", at, &leader)) continue;
    if (member_id == leader) return i;
  }
  return absl::UnavailableError("no etcd member says it is the leader");
}

}  // namespace claimd::testing
