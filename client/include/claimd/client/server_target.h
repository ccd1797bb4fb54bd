// ServerTarget: what a user writes for a claimd address, as a gRPC target.
//
// Failover across replicas is gRPC's own: a target naming several addresses
// (the ipv4:/ipv6: resolvers) or a DNS name with several records (dns:) gives
// the channel every address, and its round_robin policy (see
// MakeClaimChannel) sends each call to a replica whose connection is up.
// Nothing here dials or loops over addresses.
//
//   ServerTarget("db1")                      -> "dns:///db1:50051"
//   ServerTarget("10.0.0.1:7000")            -> "ipv4:10.0.0.1:7000"
//   ServerTarget("127.0.0.1:1,127.0.0.1:2")  -> "ipv4:127.0.0.1:1,127.0.0.1:2"
//   ServerTarget("[::1]:1,[::1]:2")          -> "ipv6:[::1]:1,[::1]:2"
//   ServerTarget("https://db1:443")          -> "dns:///db1:443", tls
//   ServerTarget("dns:///claimd.prod:50051") -> unchanged (any gRPC target
//                                               with a scheme: dns: ipv4:
//                                               ipv6: unix:)
//
// A port may be left out everywhere (50051). Several addresses must be IP
// literals (gRPC has no resolver for a list of names); a name with several
// records does the same through DNS.
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_SERVER_TARGET_H_
#define CLAIMD_CLIENT_SERVER_TARGET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::client {

inline constexpr int kDefaultPort = 50051;

struct Target {
  // For grpc::CreateChannel.
  std::string target;
  // The address was written https://...: the channel must use TLS.
  bool tls = false;
};

// INVALID_ARGUMENT (naming what is wrong) for an empty address, a port that is
// not 1..65535, an unknown scheme, a path after host:port, or a list mixing
// names and IP literals or IPv4 and IPv6.
absl::StatusOr<Target> ServerTarget(absl::string_view server);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_SERVER_TARGET_H_
