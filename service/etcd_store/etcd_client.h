// EtcdClient: the etcd store's connection to an etcd v3 cluster, over etcd's
// own gRPC API (proto/etcd). One channel over every endpoint (gRPC's
// round_robin, so a dead member is skipped), unary calls with a deadline that
// return absl::Status, and the metadata every call carries ("hasleader": etcd
// refuses calls and ends watches on a member that lost its leader, instead of
// serving from a minority).
//
// Thread-safety: every method may be called from any thread concurrently.
#ifndef CLAIMD_SERVICE_ETCD_STORE_ETCD_CLIENT_H_
#define CLAIMD_SERVICE_ETCD_STORE_ETCD_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace claimd::etcd_store {

struct EtcdConnectOptions {
  // HOST:PORT of each member. IP literals (one channel balances over them), or
  // a single DNS name (gRPC resolves it; every address it returns is used).
  std::vector<std::string> endpoints;
  // PEM contents, not paths. Empty ca: plaintext; cert and key: client TLS.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  absl::Duration request_timeout = absl::Seconds(5);
};

class EtcdClient {
 public:
  // Validates the endpoints and creates the channel (it connects lazily).
  // Errors: INVALID_ARGUMENT.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Create(
      const EtcdConnectOptions& options);

  // Waits until a member answers a cheap read, at most request_timeout, with
  // fail-fast calls so that a connection that cannot be made (TLS refused,
  // nothing listening) surfaces its reason instead of a bare deadline. Open
  // calls it first. Errors: FAILED_PRECONDITION naming TLS when the TLS
  // handshake fails (a wrong CA, a client certificate missing or not
  // trusted: retrying will not help); UNAVAILABLE with the last connection
  // error otherwise (naming TLS when etcd may be serving https to our
  // plaintext, or the other way round).
  absl::Status WaitConnected();

  // Each call waits at most request_timeout (or `timeout`). Errors: the
  // call's status mapped to absl (UNAVAILABLE for a lost connection, a
  // deadline or no leader).
  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request, absl::Duration timeout);
  // A Range that etcd answers in milliseconds (a key or two), sent again
  // when an attempt got no answer within kAttemptTimeout, until
  // request_timeout: a member that hangs (stopped, its disk stuck) keeps its
  // connection up and would hold a single call for the whole timeout, where
  // round_robin sends the next attempt (most often) to another member. The
  // last attempt, in the final fifth of the budget (at least twice
  // kAttemptTimeout), waits for all the time left, so that a cluster that is
  // merely slow still answers one. Only transient failures (UNAVAILABLE) are
  // sent again, after a pause of kResendPause. The budget is request_timeout,
  // or `budget` when shorter (a health probe's).
  absl::StatusOr<etcdserverpb::RangeResponse> RangeSmall(
      const etcdserverpb::RangeRequest& request,
      absl::Duration budget = absl::InfiniteDuration());
  // The same for a Txn that only reads (so that an attempt etcd applied
  // after all does no harm) and whose answer is small: a page of events.
  absl::StatusOr<etcdserverpb::TxnResponse> ReadTxnSmall(
      const etcdserverpb::TxnRequest& request);
  // How long the first attempt of a call that is sent again may wait (a
  // commit Txn's attempts all wait this long: one that etcd was slow to
  // answer still commits, and the writer finds it): etcd answers
  // in milliseconds, but a member that hangs, or a proposal that died with
  // its leader, gets no answer before etcd's own 5 s request timeout.
  static constexpr absl::Duration kAttemptTimeout = absl::Milliseconds(500);
  // Between attempts: a member without a leader refuses at once, and the
  // next attempt should not follow at once.
  static constexpr absl::Duration kResendPause = absl::Milliseconds(50);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& request, absl::Duration timeout);
  absl::StatusOr<etcdserverpb::CompactionResponse> Compact(
      const etcdserverpb::CompactionRequest& request);
  absl::StatusOr<etcdserverpb::CompactionResponse> Compact(
      const etcdserverpb::CompactionRequest& request, absl::Duration timeout);
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(
      const etcdserverpb::LeaseGrantRequest& request);
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(
      const etcdserverpb::LeaseGrantRequest& request, absl::Duration timeout);

  // A watch stream; `context` must be prepared with PrepareContext(context,
  // absl::InfiniteDuration()) and may be cancelled from another thread to end
  // it.
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                           etcdserverpb::WatchResponse>>
  Watch(grpc::ClientContext* context);

  // A context carrying the metadata every call needs, with a deadline
  // `timeout` from now on the monotonic clock (none for InfiniteDuration).
  void PrepareContext(grpc::ClientContext& context,
                      absl::Duration timeout) const;
  absl::Duration request_timeout() const { return request_timeout_; }

  // grpc::Status -> absl::Status, naming `what` ("etcd Txn").
  static absl::Status FromGrpc(const grpc::Status& status,
                               absl::string_view what);

 private:
  EtcdClient(std::shared_ptr<grpc::Channel> channel,
             absl::Duration request_timeout, bool tls, bool client_cert);
  static void SetDeadline(grpc::ClientContext& context, absl::Duration timeout);
  // Runs `attempt(timeout)` until it succeeds, fails for good or `budget` is
  // spent (RangeSmall, ReadTxnSmall).
  template <typename Response, typename Attempt>
  absl::StatusOr<Response> WithResends(const Attempt& attempt,
                                       absl::Duration budget);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  const absl::Duration request_timeout_;
  const bool tls_;          // the channel uses TLS credentials
  const bool client_cert_;  // ... with a client certificate
};

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_ETCD_CLIENT_H_
