// EtcdClient (see etcd_client.h).
#include "service/etcd_store/etcd_client.h"

#include <arpa/inet.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

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

}  // namespace

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
  // Notice a member that went away (or stopped) on an idle connection.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Reconnect quickly after a member comes back.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  auto channel = grpc::CreateCustomChannel(target, credentials, args);
  return std::unique_ptr<EtcdClient>(
      new EtcdClient(std::move(channel), options.request_timeout));
}

EtcdClient::EtcdClient(std::shared_ptr<grpc::Channel> channel,
                       absl::Duration request_timeout)
    : channel_(std::move(channel)),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      watch_(etcdserverpb::Watch::NewStub(channel_)),
      lease_(etcdserverpb::Lease::NewStub(channel_)),
      request_timeout_(request_timeout) {}

void EtcdClient::PrepareContext(grpc::ClientContext& context,
                                absl::Time deadline) const {
  if (deadline != absl::InfiniteFuture())
    context.set_deadline(absl::ToChronoTime(deadline));
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
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, no leader, timeouts: transient.
      return absl::UnavailableError(message);
  }
}

#define CLAIMD_ETCD_UNARY(Stub, Method, Request, Response)              \
  absl::StatusOr<etcdserverpb::Response> EtcdClient::Method(            \
      const etcdserverpb::Request& request) {                           \
    grpc::ClientContext context;                                        \
    PrepareContext(context, absl::Now() + request_timeout_);            \
    etcdserverpb::Response response;                                    \
    grpc::Status status = (Stub)->Method(&context, request, &response); \
    if (!status.ok()) return FromGrpc(status, "etcd " #Method);         \
    return response;                                                    \
  }

CLAIMD_ETCD_UNARY(kv_, Range, RangeRequest, RangeResponse)
CLAIMD_ETCD_UNARY(kv_, Txn, TxnRequest, TxnResponse)
CLAIMD_ETCD_UNARY(kv_, Compact, CompactionRequest, CompactionResponse)
CLAIMD_ETCD_UNARY(lease_, LeaseGrant, LeaseGrantRequest, LeaseGrantResponse)
#undef CLAIMD_ETCD_UNARY

std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                         etcdserverpb::WatchResponse>>
EtcdClient::Watch(grpc::ClientContext* context) {
  return watch_->Watch(context);
}

}  // namespace claimd::etcd_store
