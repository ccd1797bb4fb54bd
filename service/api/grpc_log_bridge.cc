#include "service/api/grpc_log_bridge.h"

#include "absl/strings/str_cat.h"
#include "grpc/support/log.h"
#include "service/core/log.h"

namespace claimd::api {
namespace {

void ForwardGrpcLog(gpr_log_func_args* args) {
  const core::LogLevel level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? core::LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? core::LogLevel::kInfo
                                                : core::LogLevel::kDebug;
  if (!core::LogEnabled(level)) return;
  core::LogWithFields(
      level, absl::StrCat("grpc: ", args->message),
      {{"source", absl::StrCat(args->file != nullptr ? args->file : "?", ":",
                               args->line)}});
}

}  // namespace

void RouteGrpcLogsToClaimdLog() { gpr_set_log_function(&ForwardGrpcLog); }

}  // namespace claimd::api
