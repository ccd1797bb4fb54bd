// WatchStream: one WatchClaims call, as WatchFollower consumes it.
//
// ClaimClient::WatchClaims returns the gRPC implementation; tests hand
// WatchFollower scripted fakes that end with any status after any responses, so
// the follower's resume logic is tested without a network.
//
//   std::unique_ptr<WatchStream> stream = client.WatchClaims(request);
//   claims::v1::WatchClaimsResponse response;
//   while (stream->Read(&response)) { ... }
//   absl::Status status = stream->Finish();
//
// Thread-safety: Read and Finish are called by one thread; Cancel may be called
// from any thread at any time (it makes a blocked Read return false).
#ifndef CLAIMD_CLIENT_WATCH_STREAM_H_
#define CLAIMD_CLIENT_WATCH_STREAM_H_

#include "absl/status/status.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Blocks for the next response. False when the stream has ended (then call
  // Finish).
  virtual bool Read(claims::v1::WatchClaimsResponse* response) = 0;
  // The final status, once Read has returned false. CANCELLED after Cancel.
  virtual absl::Status Finish() = 0;
  // Asks the stream to end; safe from any thread.
  virtual void Cancel() = 0;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_WATCH_STREAM_H_
