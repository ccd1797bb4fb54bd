// CallInterceptorFactory: a gRPC server interceptor that sees every call
// (unary and streaming, callback API) from its start to its final status, and
// there
// - gives it a request id: the client's `x-request-id` metadata when that is a
//   plausible id (at most 64 characters of [A-Za-z0-9._:-]), else a new random
//   one; the id is sent back as `x-request-id` initial metadata;
// - says which claimd answers: `claimd-version: 0.1.0 (1a2b3c4d5e6f)` initial
//   metadata on every response (the API has no field for it; `claimctl
//   version` reads it from a health check, which needs no rights);
// - reports the method, the status code and the duration to core::Metrics;
// - writes one log line per call with request_id, method, code and
//   duration_ms: at debug level, or at warning for server faults (INTERNAL,
//   UNKNOWN, DATA_LOSS, with the error message). Requests and responses are
//   never logged, so statements and tokens cannot reach the log this way.
//
// Methods that are not served here are reported as "unknown", so a client
// cannot create metric series at will. Thread-safety: the factory is immutable
// and shared by all calls; each interceptor belongs to one call.
#ifndef CLAIMD_SERVICE_API_CALL_INTERCEPTOR_H_
#define CLAIMD_SERVICE_API_CALL_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "grpcpp/support/server_interceptor.h"
#include "service/core/metrics.h"

namespace claimd::api {

inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kVersionHeader[] = "claimd-version";

class CallInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` is not owned and must outlive the server. `version` is the
  // claimd-version header's value ("" sends none).
  CallInterceptorFactory(core::Metrics* metrics, std::string version);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  core::Metrics* const metrics_;
  const std::string version_;
  // "/package.Service/Method" of every method this server registers.
  const absl::flat_hash_set<std::string> known_methods_;
};

// True when `id` may be used as a request id as it is.
bool IsValidRequestId(absl::string_view id);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_CALL_INTERCEPTOR_H_
