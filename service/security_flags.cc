#include "service/security_flags.h"

#include <algorithm>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/auth/sha256.h"
#include "service/core/limits.h"
#include "service/util/log.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain to serve TLS with (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: clients must present a certificate it signed "
          "(mutual TLS)");
ABSL_FLAG(std::string, auth_tokens, "",
          "Credentials file: lines 'token sha256:<hex> <identity> <role>' and "
          "'cert <common name> <role>' (roles: reader, writer, admin). Unset: "
          "no authorization. Reloaded on SIGHUP");
ABSL_FLAG(bool, insecure, false,
          "Allow plaintext on an address other than loopback");
ABSL_FLAG(bool, hash_token, false,
          "Read a bearer token from stdin, print its credentials-file line "
          "and exit");
ABSL_FLAG(int32_t, max_concurrent_streams, 250,
          "Most streams (calls) open at once on one HTTP/2 connection");
ABSL_FLAG(int32_t, max_metadata_bytes, 16 << 10,
          "Largest request header block (metadata) accepted");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(10),
          "Clients pinging more often than this are disconnected "
          "(too_many_pings)");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(30),
          "Ping a client after this long without a frame from it, and close "
          "its connection when the ping goes unanswered for "
          "--keepalive_timeout: a watcher whose host vanished gives back its "
          "slot (0: never)");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(10),
          "How long a keepalive ping may go unanswered");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Hours(1),
          "Close connections with no call for this long (0: never)");
ABSL_FLAG(absl::Duration, max_connection_age, absl::ZeroDuration(),
          "Close every connection after this long (0: never); watchers resume "
          "on a new one");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(1),
          "Time calls in flight get after --max_connection_age");
ABSL_FLAG(int64_t, memory_quota_mib, 1024,
          "Memory gRPC may allocate for all calls together, in MiB");
ABSL_FLAG(int64_t, max_watchers, 10000,
          "Most WatchClaims streams open at once (0: no limit); beyond: "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_watchers_per_identity, 1000,
          "Most WatchClaims streams one caller (identity, or client host "
          "without auth) may hold (0: no limit)");
ABSL_FLAG(int64_t, max_health_watchers, 1000,
          "Most grpc.health.v1 Watch streams open at once (0: no limit); "
          "beyond: RESOURCE_EXHAUSTED (Check is never limited)");
ABSL_FLAG(int64_t, max_health_watchers_per_host, 0,
          "Most grpc.health.v1 Watch streams one client host may hold (0: no "
          "limit; behind a proxy every client is the proxy's host)");
ABSL_FLAG(int64_t, max_rss_mib, 2048,
          "Memory ceiling in MiB (0: none): above it new calls get "
          "RESOURCE_EXHAUSTED and health is NOT_SERVING; above 1.5x of it, or "
          "above it for 60s, claimd exits with code 3 for its supervisor to "
          "restart it");

ABSL_FLAG(absl::Duration, default_deadline, absl::Seconds(30),
          "A write from a client that set no deadline is answered "
          "DEADLINE_EXCEEDED (outcome unknown; retry with its request_id) "
          "when it has waited this long (0: wait as long as it takes)");
ABSL_FLAG(absl::Duration, max_deadline, absl::Minutes(2),
          "Longest a write waits, whatever deadline the client set (0: the "
          "client's deadline)");

ABSL_FLAG(int32_t, default_page_size, claimd::core::kDefaultPageSize,
          "Page size of ListClaims/ListClaimEvents when the request sets none");
ABSL_FLAG(int32_t, max_page_size, claimd::core::kMaxPageSize,
          "Largest page served (larger requests are clamped); at most 1000");
ABSL_FLAG(int32_t, max_filter_bytes,
          static_cast<int32_t>(claimd::core::kMaxFilterBytes),
          "Longest filter accepted (INVALID_ARGUMENT beyond); at most 4096");
ABSL_FLAG(
    int32_t, max_filter_depth, claimd::core::kMaxFilterDepth,
    "Deepest nesting of parentheses, NOT and '-' in a filter; at most 32");

namespace claimd {
namespace {

// Within the contract's limits (service/core/limits.h), which flags may only
// tighten.
absl::StatusOr<core::RequestLimits> RequestLimitsFromFlags() {
  const core::RequestLimits limits{
      .default_page_size = absl::GetFlag(FLAGS_default_page_size),
      .max_page_size = absl::GetFlag(FLAGS_max_page_size),
      .max_filter_bytes = static_cast<size_t>(
          std::max(0, absl::GetFlag(FLAGS_max_filter_bytes))),
      .max_filter_depth = absl::GetFlag(FLAGS_max_filter_depth)};
  if (limits.max_page_size < 1 || limits.max_page_size > core::kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_page_size must be 1..", core::kMaxPageSize));
  }
  if (limits.default_page_size < 1 ||
      limits.default_page_size > limits.max_page_size) {
    return absl::InvalidArgumentError(
        "--default_page_size must be 1..--max_page_size");
  }
  if (absl::GetFlag(FLAGS_max_filter_bytes) < 1 ||
      limits.max_filter_bytes > core::kMaxFilterBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_filter_bytes must be 1..", core::kMaxFilterBytes));
  }
  if (limits.max_filter_depth < 1 ||
      limits.max_filter_depth > core::kMaxFilterDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_filter_depth must be 1..", core::kMaxFilterDepth));
  }
  return limits;
}

bool IsLoopback(absl::string_view listen) {
  absl::string_view host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" ||
         host == "[::1]" || host == "::1";
}

}  // namespace

std::optional<int> MaybeHashToken() {
  if (!absl::GetFlag(FLAGS_hash_token)) return std::nullopt;
  std::string token;
  std::getline(std::cin, token);
  absl::string_view trimmed = absl::StripAsciiWhitespace(token);
  if (trimmed.empty()) {
    util::LogError("--hash_token: give the token on stdin");
    return 2;
  }
  std::cout << "token sha256:" << auth::Sha256Hex(trimmed)
            << " <identity> <reader|writer|admin>\n";
  return 0;
}

absl::Status CheckTlsFiles() {
  return api::MakeServerCredentials(
             api::TlsFiles{.cert = absl::GetFlag(FLAGS_tls_cert),
                           .key = absl::GetFlag(FLAGS_tls_key),
                           .client_ca = absl::GetFlag(FLAGS_tls_client_ca)})
      .status();
}

absl::StatusOr<SecuritySetup> ApplySecurityFlags(api::ServerOptions& options) {
  for (auto [ok, what] : {
           std::pair{absl::GetFlag(FLAGS_max_concurrent_streams) > 0,
                     "max_concurrent_streams"},
           std::pair{absl::GetFlag(FLAGS_max_metadata_bytes) > 0,
                     "max_metadata_bytes"},
           std::pair{absl::GetFlag(FLAGS_memory_quota_mib) > 0,
                     "memory_quota_mib"},
       }) {
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", what, " must be positive"));
    }
  }
  if (absl::GetFlag(FLAGS_default_deadline) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_max_deadline) < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--default_deadline and --max_deadline must be 0 (none) or positive");
  }
  if (absl::GetFlag(FLAGS_keepalive_time) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_keepalive_timeout) <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--keepalive_time must be 0 (never) or positive, and "
        "--keepalive_timeout positive");
  }
  if (absl::GetFlag(FLAGS_max_health_watchers) < 0 ||
      absl::GetFlag(FLAGS_max_health_watchers_per_host) < 0 ||
      absl::GetFlag(FLAGS_max_rss_mib) < 0) {
    return absl::InvalidArgumentError(
        "--max_health_watchers, --max_health_watchers_per_host and "
        "--max_rss_mib must be 0 (no limit) or positive");
  }
  if (absl::GetFlag(FLAGS_max_watchers) < 0 ||
      absl::GetFlag(FLAGS_max_watchers_per_identity) < 0) {
    return absl::InvalidArgumentError(
        "--max_watchers and --max_watchers_per_identity must be 0 (no limit) "
        "or positive");
  }
  const api::TlsFiles tls{.cert = absl::GetFlag(FLAGS_tls_cert),
                          .key = absl::GetFlag(FLAGS_tls_key),
                          .client_ca = absl::GetFlag(FLAGS_tls_client_ca)};
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      api::MakeServerCredentials(tls);
  if (!credentials.ok()) return credentials.status();
  if (tls.cert.empty() && !IsLoopback(options.listen_address)) {
    if (!absl::GetFlag(FLAGS_insecure)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen=", options.listen_address,
          " is not a loopback address: serve TLS (--tls_cert, --tls_key) or "
          "pass --insecure to accept plaintext from the network"));
    }
    util::LogWarning("serving PLAINTEXT on ", options.listen_address,
                     " (--insecure): anyone on the path can read and forge "
                     "calls");
  }
  SecuritySetup setup;
  if (const std::string path = absl::GetFlag(FLAGS_auth_tokens);
      !path.empty()) {
    absl::StatusOr<std::unique_ptr<auth::Authenticator>> authenticator =
        auth::Authenticator::FromFile(path);
    if (!authenticator.ok()) return authenticator.status();
    setup.authenticator = *std::move(authenticator);
  } else if (!IsLoopback(options.listen_address)) {
    util::LogWarning(
        "no --auth_tokens: every client that can connect may do everything");
  }
  options.credentials = *std::move(credentials);
  options.authenticator = setup.authenticator.get();
  options.transport = api::TransportLimits{
      .max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams),
      .max_metadata_bytes = absl::GetFlag(FLAGS_max_metadata_bytes),
      .min_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval),
      .keepalive_time = absl::GetFlag(FLAGS_keepalive_time),
      .keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout),
      .max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle),
      .max_connection_age = absl::GetFlag(FLAGS_max_connection_age),
      .max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace),
      .memory_quota_bytes = absl::GetFlag(FLAGS_memory_quota_mib) << 20};
  absl::StatusOr<core::RequestLimits> limits = RequestLimitsFromFlags();
  if (!limits.ok()) return limits.status();
  options.request_limits = *limits;
  options.unary_deadlines = api::UnaryDeadlineOptions{
      .default_deadline = absl::GetFlag(FLAGS_default_deadline),
      .max_deadline = absl::GetFlag(FLAGS_max_deadline)};
  options.max_watchers = absl::GetFlag(FLAGS_max_watchers);
  options.max_watchers_per_identity =
      absl::GetFlag(FLAGS_max_watchers_per_identity);
  options.max_health_watchers = absl::GetFlag(FLAGS_max_health_watchers);
  options.max_health_watchers_per_host =
      absl::GetFlag(FLAGS_max_health_watchers_per_host);
  options.max_rss_bytes = absl::GetFlag(FLAGS_max_rss_mib) << 20;
  return setup;
}

}  // namespace claimd
