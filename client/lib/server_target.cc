#include "claimd/client/server_target.h"

#include <arpa/inet.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace claimd::client {
namespace {

enum class HostKind { kName, kIpv4, kIpv6 };

struct HostPort {
  std::string host;  // IPv6 without brackets
  int port = kDefaultPort;
  HostKind kind = HostKind::kName;
};

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text) {
  if (absl::StrContains(text, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", text, "\" has a path; write host:port"));
  }
  HostPort result;
  absl::string_view host = text;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text, "\" has no closing ]"));
    }
    absl::string_view rest = host.substr(close + 1);
    host = host.substr(0, close);
    if (!rest.empty() && !absl::ConsumePrefix(&rest, ":")) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text, "\": expected :PORT after ]"));
    }
    port = rest;
    result.kind = HostKind::kIpv6;
  } else if (std::count(host.begin(), host.end(), ':') > 1) {
    // A bare IPv6 literal without a port.
    result.kind = HostKind::kIpv6;
  } else if (const size_t colon = host.find(':');
             colon != absl::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", text, "\" has no host"));
  }
  if (absl::StrContains(host, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", text, "\" has a path; write host:port"));
  }
  if (!port.empty()) {
    int number = 0;
    if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address \"", text, "\": port \"", port, "\" is not 1..65535"));
    }
    result.port = number;
  }
  result.host = std::string(host);
  unsigned char buffer[16];
  if (result.kind == HostKind::kIpv6) {
    if (inet_pton(AF_INET6, result.host.c_str(), buffer) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text, "\": not an IPv6 address"));
    }
  } else if (inet_pton(AF_INET, result.host.c_str(), buffer) == 1) {
    result.kind = HostKind::kIpv4;
  }
  return result;
}

std::string Format(const HostPort& address) {
  if (address.kind == HostKind::kIpv6) {
    return absl::StrCat("[", address.host, "]:", address.port);
  }
  return absl::StrCat(address.host, ":", address.port);
}

}  // namespace

absl::StatusOr<Target> ServerTarget(absl::string_view server) {
  absl::string_view text = absl::StripAsciiWhitespace(server);
  if (text.empty()) return absl::InvalidArgumentError("the address is empty");
  Target result;
  // A gRPC target with a scheme of its own passes through.
  for (absl::string_view scheme :
       {"dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "xds:"}) {
    if (absl::StartsWith(text, scheme)) {
      result.target = std::string(text);
      return result;
    }
  }
  if (absl::ConsumePrefix(&text, "https://")) {
    result.tls = true;
  } else if (absl::ConsumePrefix(&text, "http://")) {
  } else if (const size_t at = text.substr(0, text.find(',')).find("://");
             at != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", server, "\": scheme \"", text.substr(0, at),
                     "\" is not http, https, dns, ipv4, ipv6 or unix"));
  }
  std::vector<HostPort> addresses;
  for (absl::string_view part :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    // Each address of a list may repeat the list's scheme
    // (http://a:1,http://b:2), not change it.
    const bool https = absl::ConsumePrefix(&part, "https://");
    const bool http = !https && absl::ConsumePrefix(&part, "http://");
    if ((https && !result.tls) || (http && result.tls)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address list \"", server, "\" mixes http:// and https://"));
    }
    absl::ConsumeSuffix(&part, "/");
    absl::StatusOr<HostPort> address = ParseHostPort(part);
    if (!address.ok()) return address.status();
    addresses.push_back(*std::move(address));
  }
  if (addresses.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", server, "\" names no host"));
  }
  if (addresses.size() == 1 && addresses[0].kind == HostKind::kName) {
    result.target = absl::StrCat("dns:///", Format(addresses[0]));
    return result;
  }
  const HostKind kind = addresses[0].kind;
  for (const HostPort& address : addresses) {
    if (address.kind == HostKind::kName) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address list \"", server, "\" holds the name \"", address.host,
          "\": a list must be IP addresses; for names use one DNS name "
          "with several records"));
    }
    if (address.kind != kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address list \"", server, "\" mixes IPv4 and IPv6 addresses"));
    }
  }
  std::vector<std::string> formatted;
  formatted.reserve(addresses.size());
  for (const HostPort& address : addresses) {
    formatted.push_back(Format(address));
  }
  result.target = absl::StrCat(kind == HostKind::kIpv4 ? "ipv4:" : "ipv6:",
                               absl::StrJoin(formatted, ","));
  return result;
}

}  // namespace claimd::client
