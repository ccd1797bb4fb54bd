// ChannelSecurity: how claimctl authenticates to claimd: TLS with a CA bundle
// to verify the server (--cacert), a client certificate for mutual TLS
// (--cert/--key), and a bearer token sent as `authorization: Bearer <token>`
// on every call (--token). Empty fields are unused; with no CA and no
// certificate the channel is plaintext (a token is then sent in the clear, so
// only do that on loopback).
//
// Thread-safety: a plain value; the channel made from it is thread-safe.
#ifndef CLAIMD_CLIENT_CHANNEL_SECURITY_H_
#define CLAIMD_CLIENT_CHANNEL_SECURITY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace claimd::client {

struct ChannelSecurity {
  std::string cacert;  // PEM file
  std::string cert;    // PEM file
  std::string key;     // PEM file
  std::string token;
  // TLS even without a CA bundle (the system's roots verify the server), as
  // an https:// address asks for.
  bool use_tls = false;

  bool tls() const { return use_tls || !cacert.empty() || !cert.empty(); }
};

// Channel credentials for `security`; the files are read now. claimctl's flag
// parsing has already refused unreadable or empty ones (cli.cc): here an
// unreadable file would read as empty, and an empty CA bundle means gRPC's
// default roots.
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const ChannelSecurity& security);

// Interceptors that add the bearer token to every call (none without a
// token).
std::vector<
    std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
MakeTokenInterceptors(const std::string& token);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CHANNEL_SECURITY_H_
