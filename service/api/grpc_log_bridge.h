// Sends gRPC's own log messages (those GRPC_VERBOSITY lets through, ERROR by
// default) through core::Log, so that with --log_format=json stderr stays one
// JSON object per line. Call once at startup, before the server starts.
// Thread-safety: the installed hook is safe from any thread.
#ifndef CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_
#define CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_

namespace claimd::api {

void RouteGrpcLogsToClaimdLog();

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_
