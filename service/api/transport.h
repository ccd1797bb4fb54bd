// Transport security and limits of the listening port: TLS or mutual TLS
// server credentials from PEM files, and the HTTP/2 and memory limits that
// bound what one connection can cost (channel arguments of
// grpc::ServerBuilder).
//
// gRPC 1.51 predates the HTTP/2 rapid-reset fix (CVE-2023-44487). What bounds
// it here: with mTLS no one without a certificate from the client CA reaches
// the HTTP/2 parser; max_concurrent_streams caps the streams a connection may
// have open; the memory quota caps what all calls together may allocate, so a
// flood of streams is refused rather than growing the heap; max_connection_age
// ends any connection after a while (with a grace period for calls in flight);
// and the metadata limit bounds each stream's headers.
//
// Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_API_TRANSPORT_H_
#define CLAIMD_SERVICE_API_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace claimd::api {

struct TlsFiles {
  std::string cert;       // PEM certificate chain; empty: plaintext
  std::string key;        // PEM private key of `cert`
  std::string client_ca;  // PEM CA bundle: set, clients must present a cert
                          // it signed (mutual TLS)
};

// Plaintext credentials when `files.cert` is empty. Errors: INVALID_ARGUMENT
// when only one of cert and key is given, or a client CA without a cert;
// NOT_FOUND when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

struct TransportLimits {
  // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS advertised to each connection.
  int max_concurrent_streams = 250;
  // Largest header block (metadata) a request may carry.
  int max_metadata_bytes = 16 << 10;
  // Clients pinging more often than this (without data) are sent GOAWAY
  // (too_many_pings) after a few strikes. Allowed on connections without
  // calls too, so a client can check its idle connection (claimctl and the
  // client library ping every 20 s).
  absl::Duration min_ping_interval = absl::Seconds(10);
  // claimd pings every connection after this long without a frame from the
  // client, and closes it when the ping is unanswered for keepalive_timeout:
  // a watcher whose host vanished or whose process hangs gives its slot
  // (--max_watchers) and its memory back within about their sum, instead of
  // after TCP's retransmission timeout (about 15 minutes). 0: never.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // A connection with no call for this long is closed (0: never).
  absl::Duration max_connection_idle = absl::Hours(1);
  // Any connection is closed after this long (0: never), calls in flight get
  // max_connection_age_grace more; watchers resume on a new connection.
  absl::Duration max_connection_age = absl::ZeroDuration();
  absl::Duration max_connection_age_grace = absl::Minutes(1);
  // Memory all calls together may allocate inside gRPC (0: gRPC's default).
  int64_t memory_quota_bytes = int64_t{1} << 30;
};

// Sets `limits` on `builder` (channel arguments and the resource quota).
void ApplyTransportLimits(const TransportLimits& limits,
                          grpc::ServerBuilder& builder);

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_TRANSPORT_H_
