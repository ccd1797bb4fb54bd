#include "service/api/call_interceptor.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "service/api/status_mapping.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"

namespace claimd::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr size_t kMaxRequestIdLength = 64;

// The services ClaimServer registers (reflection's is linked in by
// grpc++_reflection).
constexpr const char* kServedServices[] = {
    "claims.v1.ClaimService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
};

absl::flat_hash_set<std::string> KnownMethods() {
  absl::flat_hash_set<std::string> methods;
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  for (const char* name : kServedServices) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.insert(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
  return methods;
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

// gRPC 1.51's callback handlers answer a request they cannot deserialize
// (most often a proto3 string that is not valid UTF-8) with UNIMPLEMENTED and
// no message, before any handler of ours runs. Our handlers never answer
// UNIMPLEMENTED, so on a method we serve that status can only mean this; it
// becomes UnparsableRequestStatus() (status_mapping.h).

class CallInterceptor : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(core::Metrics* metrics, std::string method, bool unary,
                  const std::string& version)
      : metrics_(metrics),
        method_(std::move(method)),
        unary_(unary),
        version_(version) {}

  ~CallInterceptor() override {
    // A call can end without a status of ours (cancelled before the handler
    // answered): it still counts.
    if (!reported_) Report(grpc::Status::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* received = methods->GetRecvInitialMetadata();
      auto it = received->find(kRequestIdHeader);
      if (it != received->end()) {
        absl::string_view id(it->second.data(), it->second.size());
        if (IsValidRequestId(id)) request_id_ = std::string(id);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader,
                                                 request_id());
      if (!version_.empty()) {
        methods->GetSendInitialMetadata()->emplace(kVersionHeader, version_);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (IsUnparsableRequest(status)) {
        status = UnparsableRequestStatus();
        methods->ModifySendStatus(status);
      }
      Report(status);
    }
    methods->Proceed();
  }

 private:
  bool IsUnparsableRequest(const grpc::Status& status) const {
    return method_ != "unknown" &&
           status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
           status.error_message().empty();
  }

  const std::string& request_id() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  void Report(const grpc::Status& status) {
    reported_ = true;
    const absl::Duration duration = util::MonotonicClock::Real().Now() - start_;
    const std::string code = absl::StatusCodeToString(
        static_cast<absl::StatusCode>(status.error_code()));
    metrics_->OnRpcFinished(method_, code, unary_, duration);
    const bool fault = IsServerFault(status.error_code());
    const util::LogLevel level =
        fault ? util::LogLevel::kWarning : util::LogLevel::kDebug;
    if (!util::LogEnabled(level)) return;
    const std::string duration_ms =
        absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(duration));
    if (fault) {
      util::LogWithFields(level, "call failed",
                          {{"request_id", request_id()},
                           {"method", method_},
                           {"code", code},
                           {"duration_ms", duration_ms},
                           {"error", status.error_message()}});
    } else {
      util::LogWithFields(level, "call finished",
                          {{"request_id", request_id()},
                           {"method", method_},
                           {"code", code},
                           {"duration_ms", duration_ms}});
    }
  }

  core::Metrics* const metrics_;
  const std::string method_;
  const bool unary_;
  // The factory's, which outlives every call.
  const std::string& version_;
  // Durations are measured on the monotonic clock (a wall-clock step must not
  // record a negative or hour-long call).
  const absl::Duration start_ = util::MonotonicClock::Real().Now();
  std::string request_id_;
  bool reported_ = false;
};

}  // namespace

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

CallInterceptorFactory::CallInterceptorFactory(core::Metrics* metrics,
                                               std::string version)
    : metrics_(metrics),
      version_(std::move(version)),
      known_methods_(KnownMethods()) {}

grpc::experimental::Interceptor*
CallInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  std::string method = info->method() != nullptr ? info->method() : "";
  if (!known_methods_.contains(method)) method = "unknown";
  return new CallInterceptor(
      metrics_, std::move(method),
      info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY, version_);
}

}  // namespace claimd::api
