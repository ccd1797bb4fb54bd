// EtcdCluster: a real etcd cluster (Debian's etcd-server) for tests: N members
// on free loopback ports, each with a fresh data directory under `dir`,
// stopped (SIGKILL, reaped) when the object dies.
//
//   ASSIGN_OR_RETURN(auto cluster, EtcdCluster::Start(dir.path(), 3));
//   store_options.connect.endpoints = cluster->endpoints();
//
// Members can be killed, stopped (SIGSTOP) and continued, and a killed member
// restarted on its data directory, for fault tests. Start the cluster from the
// thread that outlives it (see tests/e2e/process.h: children die with the
// thread that forked them).
//
// With EtcdTls, the members serve clients over TLS only (https client URLs)
// and require a client certificate signed by `ca` (--client-cert-auth); peers
// still talk plaintext (loopback). etcdctl uses the client pair given.
//
// Thread-safety: one thread at a time.
#ifndef CLAIMD_TESTS_ETCD_ETCD_CLUSTER_H_
#define CLAIMD_TESTS_ETCD_ETCD_CLUSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/process.h"

namespace claimd::testing {

// PEM file paths for a cluster that serves clients over TLS.
struct EtcdTls {
  std::string ca;  // trusted for client certificates, and by etcdctl
  std::string server_cert;
  std::string server_key;
  std::string client_cert;  // etcdctl's
  std::string client_key;
};

class EtcdCluster {
 public:
  // Starts `members` etcd processes and waits (bounded) until the cluster has
  // a leader. Errors: UNAVAILABLE when it does not come up (the members'
  // stderr is in dir/etcd-N.err).
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(
      const std::string& dir, int members = 3,
      const std::optional<EtcdTls>& tls = std::nullopt);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // "127.0.0.1:PORT" of every member's client URL, and joined by commas.
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  std::string EndpointList() const;
  int size() const { return static_cast<int>(endpoints_.size()); }
  // The member's client port (etcd serves /metrics there too).
  int client_port(int index) const { return client_ports_[index]; }

  // The member's process (nullptr after Kill until Restart).
  e2e::Process* member(int index) { return members_[index].get(); }
  void Kill(int index);
  // Restarts a killed member on its data directory.
  absl::Status Restart(int index);
  void Stop(int index);      // SIGSTOP
  void Continue(int index);  // SIGCONT

  // The index of the member that is leader now, asking the members that
  // answer (etcdctl endpoint status). Errors: UNAVAILABLE.
  absl::StatusOr<int> Leader();
  // Waits (bounded by `timeout`) until every running member reports healthy.
  absl::Status WaitHealthy(absl::Duration timeout);

 private:
  EtcdCluster(std::string dir, std::vector<int> client_ports,
              std::vector<int> peer_ports, std::optional<EtcdTls> tls);
  absl::Status StartMember(int index, bool fresh);
  // Runs etcdctl with `args` against `endpoints`; its stdout, or an error.
  absl::StatusOr<std::string> Etcdctl(const std::string& endpoints,
                                      const std::vector<std::string>& args);

  const std::string dir_;
  const std::vector<int> client_ports_;
  const std::vector<int> peer_ports_;
  const std::optional<EtcdTls> tls_;
  std::vector<std::string> endpoints_;
  std::string initial_cluster_;
  std::vector<std::unique_ptr<e2e::Process>> members_;
  int etcdctl_runs_ = 0;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_ETCD_ETCD_CLUSTER_H_
