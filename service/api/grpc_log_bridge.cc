#include "service/api/grpc_log_bridge.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/support/log.h"
#include "service/util/log.h"
#include "service/util/log_rate_limiter.h"

namespace claimd::api {
namespace {

std::atomic<void (*)()> g_listener_failure_handler{nullptr};

util::LogRateLimiter& Limiter() {
  static auto* limiter = new util::LogRateLimiter(20, std::chrono::seconds(10));
  return *limiter;
}

void ForwardGrpcLog(gpr_log_func_args* args) {
  const absl::string_view message =
      args->message != nullptr ? args->message : "";
  // gRPC's posix listener logs this and then stops accepting for good
  // (src/core/lib/iomgr/tcp_server_posix.cc in 1.51).
  if (absl::StartsWith(message, "Failed accept4")) {
    if (void (*handler)() = g_listener_failure_handler.exchange(nullptr)) {
      handler();
    }
  }
  const util::LogLevel level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? util::LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? util::LogLevel::kInfo
                                                : util::LogLevel::kDebug;
  if (!util::LogEnabled(level)) return;
  const std::string source =
      absl::StrCat(args->file != nullptr ? args->file : "?", ":", args->line);
  const std::optional<int64_t> dropped =
      Limiter().Admit(source, std::chrono::steady_clock::now());
  if (!dropped.has_value()) return;
  if (*dropped == 0) {
    util::LogWithFields(level, absl::StrCat("grpc: ", message),
                        {{"source", source}});
  } else {
    util::LogWithFields(
        level, absl::StrCat("grpc: ", message),
        {{"source", source}, {"dropped_before", absl::StrCat(*dropped)}});
  }
}

}  // namespace

void RouteGrpcLogsToClaimdLog() { gpr_set_log_function(&ForwardGrpcLog); }

void SetListenerFailureHandler(void (*handler)()) {
  g_listener_failure_handler.store(handler);
}

}  // namespace claimd::api
