// A minimal HTTP/1.0 GET over a loopback TCP socket, for tests that scrape
// claimd's /metrics without depending on curl.
//
//   ASSERT_OK_AND_ASSIGN(HttpResponse r, HttpGet(port, "/metrics"));
//
// Thread-safety: pure function; blocks for at most `timeout` per read.
#ifndef CLAIMD_TESTS_E2E_HTTP_GET_H_
#define CLAIMD_TESTS_E2E_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace claimd::e2e {

struct HttpResponse {
  int status = 0;            // 200
  std::string content_type;  // the Content-Type header's value
  std::string body;
};

// GET http://127.0.0.1:`port``path`. Errors: UNAVAILABLE (cannot connect or
// read), INTERNAL (not an HTTP response).
absl::StatusOr<HttpResponse> HttpGet(
    int port, const std::string& path,
    absl::Duration timeout = absl::Seconds(10));

}  // namespace claimd::e2e

#endif  // CLAIMD_TESTS_E2E_HTTP_GET_H_
