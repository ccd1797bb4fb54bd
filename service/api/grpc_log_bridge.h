// Sends gRPC's own log messages (those GRPC_VERBOSITY lets through, ERROR by
// default) through util::Log, so that with --log_format=json stderr stays one
// JSON object per line, and a text line cannot be forged (util::Log escapes
// control characters). gRPC's transport errors are written on behalf of
// unauthenticated peers (they quote header values a client sent), so each
// source location may write 20 lines per 10 s; the next line written says how
// many were dropped.
//
// It also watches for the one message after which gRPC 1.51 never accepts a
// connection again ("Failed accept4", e.g. when the process runs out of file
// handles; CVE-2023-4785) and calls the handler set with
// SetListenerFailureHandler, so claimd can report NOT_SERVING and exit for its
// supervisor to restart it.
//
// Call RouteGrpcLogsToClaimdLog once at startup, before the server starts.
// Thread-safety: the installed hook is safe from any thread.
#ifndef CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_
#define CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_

namespace claimd::api {

void RouteGrpcLogsToClaimdLog();

// `handler` runs at most once, on the gRPC thread that logged the failure,
// while gRPC holds its listener's lock: it must only record the fact and wake
// someone (set an atomic, send a signal), never call into gRPC. nullptr
// removes it.
void SetListenerFailureHandler(void (*handler)());

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_GRPC_LOG_BRIDGE_H_
