// EtcdClient (see etcd_client.h).
#include "service/etcd_store/etcd_client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc/support/time.h"
#include "service/util/monotonic_clock.h"

namespace claimd::etcd_store {
namespace {

// "1.2.3.4:5" -> true; "[::1]:5" -> true (sets *v6); names -> false.
bool IsIpLiteral(absl::string_view endpoint, bool* v6) {
  if (absl::StartsWith(endpoint, "[")) {
    const size_t close = endpoint.find(']');
    if (close == absl::string_view::npos) return false;
    std::string host(endpoint.substr(1, close - 1));
    in6_addr address;
    *v6 = true;
    return inet_pton(AF_INET6, host.c_str(), &address) == 1;
  }
  const size_t colon = endpoint.rfind(':');
  if (colon == absl::string_view::npos) return false;
  std::string host(endpoint.substr(0, colon));
  in_addr address;
  *v6 = false;
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

// Whether a connection error is a TLS handshake that failed: these do not
// heal by retrying. gRPC's messages name SSL/TLS and the alert.
bool LooksLikeTlsFailure(absl::string_view message) {
  for (absl::string_view needle :
       {"ssl", "tls", "handshake", "certificate", "x509"}) {
    if (absl::StrContains(absl::AsciiStrToLower(message), needle)) return true;
  }
  return false;
}

}  // namespace

void EtcdClient::SetDeadline(grpc::ClientContext& context,
                             absl::Duration timeout) {
  // On gRPC's monotonic clock: a wall clock set back or forward neither
  // stretches nor cuts a call's time.
  context.set_deadline(gpr_time_add(
      gpr_now(GPR_CLOCK_MONOTONIC),
      gpr_time_from_micros(absl::ToInt64Microseconds(timeout), GPR_TIMESPAN)));
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Create(
    const EtcdConnectOptions& options) {
  if (options.endpoints.empty())
    return absl::InvalidArgumentError("no etcd endpoints given");
  std::string target;
  bool all_v4 = true, all_v6 = true;
  for (const std::string& endpoint : options.endpoints) {
    if (endpoint.find(':') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint \"", endpoint, "\" is not HOST:PORT"));
    }
    bool v6 = false;
    if (!IsIpLiteral(endpoint, &v6)) {
      all_v4 = all_v6 = false;
    } else {
      (v6 ? all_v4 : all_v6) = false;
    }
  }
  if (all_v4 || all_v6) {
    target = absl::StrCat(all_v4 ? "ipv4:" : "ipv6:",
                          absl::StrJoin(options.endpoints, ","));
  } else if (options.endpoints.size() == 1) {
    target = absl::StrCat("dns:///", options.endpoints[0]);
  } else {
    return absl::InvalidArgumentError(
        "several etcd endpoints must all be IP addresses (HOST:PORT with "
        "an IP); for names, give one DNS name that resolves to every member");
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.ca_pem.empty() && options.cert_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    ssl.pem_cert_chain = options.cert_pem;
    ssl.pem_private_key = options.key_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  // etcd answers large ranges (a whole store at open) in one message.
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(2 << 20);
  // Notice a member that went away, or hangs (stopped, its disk stuck: it
  // keeps the connection up and answers nothing), and close the connection:
  // round_robin then sends nothing there until the member answers a new
  // handshake. Until then a third of the calls wait out an attempt timeout
  // there, so the sooner the better: a ping every 5 s (etcd's
  // --grpc-keepalive-min-time refuses more often), 2 s for its answer.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Reconnect quickly after a member comes back.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  auto channel = grpc::CreateCustomChannel(target, credentials, args);
  const bool tls = !options.ca_pem.empty() || !options.cert_pem.empty();
  return std::unique_ptr<EtcdClient>(
      new EtcdClient(std::move(channel), options.request_timeout, tls,
                     !options.cert_pem.empty()));
}

EtcdClient::EtcdClient(std::shared_ptr<grpc::Channel> channel,
                       absl::Duration request_timeout, bool tls,
                       bool client_cert)
    : channel_(std::move(channel)),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      watch_(etcdserverpb::Watch::NewStub(channel_)),
      lease_(etcdserverpb::Lease::NewStub(channel_)),
      request_timeout_(request_timeout),
      tls_(tls),
      client_cert_(client_cert) {}

absl::Status EtcdClient::WaitConnected() {
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration deadline = clock.Now() + request_timeout_;
  // Any key will do: the answer is not used, only that one came.
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(1, '\0'));
  request.set_count_only(true);
  request.set_serializable(true);
  std::string last = "no attempt";
  for (int attempt = 0;; ++attempt) {
    grpc::ClientContext context;
    const absl::Duration left = deadline - clock.Now();
    SetDeadline(context, std::max(left, absl::Milliseconds(100)));
    context.AddMetadata("hasleader", "true");
    // Not wait_for_ready: a call on a channel in TRANSIENT_FAILURE fails at
    // once with the connection's error (the handshake's reason), which is the
    // point here.
    etcdserverpb::RangeResponse response;
    const grpc::Status status = kv_->Range(&context, request, &response);
    if (status.ok()) return absl::OkStatus();
    last = status.error_message();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      // etcd answered (no leader yet, auth): connected; the calls that follow
      // report the rest with their own codes.
      return absl::OkStatus();
    }
    if (LooksLikeTlsFailure(last)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS connection to etcd failed (check --etcd_cacert, --etcd_cert "
          "and --etcd_key against etcd's --trusted-ca-file and "
          "--client-cert-auth): ",
          last));
    }
    if (left <= absl::ZeroDuration() || attempt >= 1000) break;
    // The channel reconnects with backoff (100 ms at first); ask again soon.
    absl::SleepFor(std::min(left, absl::Milliseconds(100)));
  }
  // A TLS 1.3 server checks the client's certificate after the client
  // considers the handshake done, so a refused or missing certificate shows
  // only as a connection closed at the first read: say what to check.
  absl::string_view hint =
      !tls_ ? " over plaintext (no --etcd_cacert given: if etcd serves "
              "https, TLS is needed)"
      : !client_cert_
          ? " over TLS without a client certificate (if etcd runs with "
            "--client-cert-auth, give --etcd_cert and --etcd_key)"
          : " over TLS (if etcd runs with --client-cert-auth, its "
            "--trusted-ca-file must have signed --etcd_cert)";
  return absl::UnavailableError(
      absl::StrCat("etcd unreachable within ",
                   absl::FormatDuration(request_timeout_), hint, ": ", last));
}

void EtcdClient::PrepareContext(grpc::ClientContext& context,
                                absl::Duration timeout) const {
  if (timeout != absl::InfiniteDuration()) SetDeadline(context, timeout);
  // etcd's rpctypes.MetadataRequireLeaderKey: fail rather than hang on a member
  // cut off from its leader.
  context.AddMetadata("hasleader", "true");
  // A member that is down or restarting must not fail a call at once: wait for
  // a connection within the deadline (round_robin then picks a live member).
  context.set_wait_for_ready(true);
}

absl::Status EtcdClient::FromGrpc(const grpc::Status& status,
                                  absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, " failed: ", status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::OUT_OF_RANGE:  // etcd: revision compacted
      return absl::OutOfRangeError(message);
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      // A request etcd refuses (too large, too many ops, duplicate keys): our
      // bug or an etcd configured below its defaults.
      return absl::InternalError(message);
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::PermissionDeniedError(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // etcd's NOSPACE alarm is up: it refuses every write until an operator
      // frees space and disarms it. (Its other RESOURCE_EXHAUSTED, "too many
      // requests", passes: transient, below.)
      if (absl::StrContains(status.error_message(),
                            "database space exceeded")) {
        return absl::ResourceExhaustedError(message);
      }
      return absl::UnavailableError(message);
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, no leader, timeouts: transient.
      return absl::UnavailableError(message);
  }
}

#define CLAIMD_ETCD_UNARY(Stub, Method, Request, Response)              \
  absl::StatusOr<etcdserverpb::Response> EtcdClient::Method(            \
      const etcdserverpb::Request& request, absl::Duration timeout) {   \
    grpc::ClientContext context;                                        \
    PrepareContext(context, timeout);                                   \
    etcdserverpb::Response response;                                    \
    grpc::Status status = (Stub)->Method(&context, request, &response); \
    if (!status.ok()) return FromGrpc(status, "etcd " #Method);         \
    return response;                                                    \
  }                                                                     \
  absl::StatusOr<etcdserverpb::Response> EtcdClient::Method(            \
      const etcdserverpb::Request& request) {                           \
    return Method(request, request_timeout_);                           \
  }

CLAIMD_ETCD_UNARY(kv_, Range, RangeRequest, RangeResponse)
CLAIMD_ETCD_UNARY(kv_, Txn, TxnRequest, TxnResponse)
CLAIMD_ETCD_UNARY(kv_, Compact, CompactionRequest, CompactionResponse)
CLAIMD_ETCD_UNARY(lease_, LeaseGrant, LeaseGrantRequest, LeaseGrantResponse)
#undef CLAIMD_ETCD_UNARY

template <typename Response, typename Attempt>
absl::StatusOr<Response> EtcdClient::WithResends(const Attempt& attempt,
                                                 absl::Duration budget) {
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration deadline = clock.Now() + budget;
  // A short budget (a health probe's 2 s) still leaves its last attempt
  // longer than one that gives up on a hung member.
  const absl::Duration final_stretch =
      std::max(budget / 5, 2 * kAttemptTimeout);
  for (;;) {
    const absl::Duration left = deadline - clock.Now();
    absl::StatusOr<Response> response =
        attempt(left > final_stretch ? std::min(left, kAttemptTimeout) : left);
    if (response.ok() || !absl::IsUnavailable(response.status()) ||
        clock.Now() + kResendPause >= deadline)
      return response;
    absl::SleepFor(kResendPause);
  }
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::RangeSmall(
    const etcdserverpb::RangeRequest& request, absl::Duration budget) {
  return WithResends<etcdserverpb::RangeResponse>(
      [&](absl::Duration timeout) { return Range(request, timeout); },
      std::min(budget, request_timeout_));
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::ReadTxnSmall(
    const etcdserverpb::TxnRequest& request) {
  return WithResends<etcdserverpb::TxnResponse>(
      [&](absl::Duration timeout) { return Txn(request, timeout); },
      request_timeout_);
}

std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                         etcdserverpb::WatchResponse>>
EtcdClient::Watch(grpc::ClientContext* context) {
  return watch_->Watch(context);
}

}  // namespace claimd::etcd_store
