// ScriptedWatchStream: a WatchStream that replays a script of responses and
// then ends with the script's status, for tests of WatchFollower and
// ClaimInformer without a network.
//
//   auto stream = std::make_unique<ScriptedWatchStream>(
//       WatchScript{{Response(1, {...})}, absl::UnavailableError("drop")});
//
// Thread-safety: as WatchStream (Cancel from any thread is safe here because
// tests call it from the reading thread).
#ifndef CLAIMD_TESTS_TESTING_CLIENT_SCRIPTED_WATCH_STREAM_H_
#define CLAIMD_TESTS_TESTING_CLIENT_SCRIPTED_WATCH_STREAM_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "claimd/client/watch_stream.h"

namespace claimd::client {

// A stream that replays `responses`, then ends with `status`.
struct WatchScript {
  std::vector<claims::v1::WatchClaimsResponse> responses;
  absl::Status status;
};

class ScriptedWatchStream : public WatchStream {
 public:
  explicit ScriptedWatchStream(WatchScript script)
      : script_(std::move(script)) {}
  bool Read(claims::v1::WatchClaimsResponse* response) override {
    if (cancelled_ || next_ >= script_.responses.size()) return false;
    *response = script_.responses[next_++];
    return true;
  }
  absl::Status Finish() override {
    return cancelled_ ? absl::CancelledError("cancelled") : script_.status;
  }
  void Cancel() override { cancelled_ = true; }

 private:
  WatchScript script_;
  size_t next_ = 0;
  bool cancelled_ = false;
};

}  // namespace claimd::client

#endif  // CLAIMD_TESTS_TESTING_CLIENT_SCRIPTED_WATCH_STREAM_H_
