#include "tests/bench/cluster_probes.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "service/util/status_macros.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/process.h"

namespace claimd::bench {

// The sum over every member of etcd's handled gRPC calls of `method` (Range,
// Txn, ...), from its /metrics (grpc_server_handled_total, every code).
absl::StatusOr<double> EtcdCalls(testing::EtcdCluster& cluster,
                                 const std::string& method) {
  const std::string needle = absl::StrCat("grpc_method=\"", method, "\"");
  double total = 0;
  for (const std::string& endpoint : cluster.endpoints()) {
    int port = 0;
    const std::vector<std::string> parts = absl::StrSplit(endpoint, ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port))
      return absl::InternalError(absl::StrCat("bad endpoint ", endpoint));
    ASSIGN_OR_RETURN(e2e::HttpResponse response,
                     e2e::HttpGet(port, "/metrics"));
    std::istringstream lines(response.body);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("grpc_server_handled_total{", 0) != 0) continue;
      if (line.find(needle) == std::string::npos) continue;
      double value = 0;
      if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value))
        total += value;
    }
  }
  return total;
}

namespace {

// Runs etcdctl `args` (bounded: 10 s), logs under `dir`; its stdout.
absl::StatusOr<std::string> Etcdctl(const std::string& dir,
                                    const std::vector<std::string>& args) {
  static int runs = 0;
  const std::string log = absl::StrCat(dir, "/etcdctl-", runs++);
  ASSIGN_OR_RETURN(std::unique_ptr<e2e::Process> process,
                   e2e::Process::Start("/usr/bin/etcdctl", args, log + ".out",
                                       log + ".err"));
  std::optional<e2e::ExitStatus> exit = process->Wait(absl::Seconds(10));
  if (!exit.has_value() || !exit->Success())
    return absl::UnavailableError(absl::StrCat(
        "etcdctl ", absl::StrJoin(args, " "), ": ", process->ReadStderr()));
  return process->ReadStdout();
}

}  // namespace

// Makes member `target` the leader (etcdctl move-leader), so that the
// leader-kill trials kill every member in turn rather than whichever led
// (claimd's etcd client spreads its calls over all members, round_robin).
absl::Status MoveLeader(testing::EtcdCluster& cluster, const std::string& dir,
                        int target) {
  ASSIGN_OR_RETURN(int leader, cluster.Leader());
  if (leader == target) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string status,
                   Etcdctl(dir, {"--endpoints", cluster.endpoints()[target],
                                 "endpoint", "status", "-w", "json"}));
  const std::string needle = "\"member_id\":";
  const size_t at = status.find(needle);
  if (at == std::string::npos)
    return absl::UnavailableError("etcdctl endpoint status: no member_id");
  uint64_t id = 0;
  size_t end = at + needle.size();
  while (end < status.size() && status[end] >= '0' && status[end] <= '9') ++end;
  if (!absl::SimpleAtoi(
          status.substr(at + needle.size(), end - at - needle.size()), &id))
    return absl::UnavailableError("etcdctl endpoint status: bad member_id");
  RETURN_IF_ERROR(Etcdctl(dir, {"--endpoints", cluster.EndpointList(),
                                "move-leader", absl::StrFormat("%x", id)})
                      .status());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    absl::StatusOr<int> now = cluster.Leader();
    if (now.ok() && *now == target) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::UnavailableError(absl::StrCat("n", target, " did not lead"));
}

}  // namespace claimd::bench
