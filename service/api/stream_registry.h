// StreamRegistry: the long-lived calls (WatchClaims streams) that were admitted
// with credentials, so that a reload of the credentials file reaches them.
//
// Admission decides once, when a call starts; a watch can then run for days.
// On every successful Authenticator::Reload the registry asks the CallGate
// again for each registered stream, and ends those the new file no longer
// allows: UNAUTHENTICATED when the credential is gone, PERMISSION_DENIED when
// its role fell below what the method needs. Without authentication nothing
// registers.
//
// Thread-safety: all methods may be called concurrently. Lock order: the
// Authenticator's listener mutex, then mutex_, then whatever Stream::Revoke
// takes (a stream's own mutex; Revoke never blocks and never calls back).
#ifndef CLAIMD_SERVICE_API_STREAM_REGISTRY_H_
#define CLAIMD_SERVICE_API_STREAM_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "service/api/call_gate.h"

namespace claimd::api {

class StreamRegistry {
 public:
  // A stream that can be ended from outside its own reactions.
  class Stream {
   public:
    virtual ~Stream() = default;
    // Ends the stream with `status` as soon as it can: at once when idle, at
    // its next step when it is busy (no further message is sent either way).
    virtual void Revoke(absl::Status status) = 0;
  };

  // A registration: unregisters when destroyed.
  class Handle {
   public:
    Handle(StreamRegistry* registry, uint64_t id)
        : registry_(registry), id_(id) {}
    ~Handle() { registry_->Remove(id_); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

   private:
    StreamRegistry* const registry_;
    const uint64_t id_;
  };

  // `gate` is not owned and must outlive the registry. Listens to the gate's
  // authenticator (if any) until destroyed.
  explicit StreamRegistry(const CallGate* gate);
  ~StreamRegistry();
  StreamRegistry(const StreamRegistry&) = delete;
  StreamRegistry& operator=(const StreamRegistry&) = delete;

  // Registers `stream`, admitted as `caller` for `full_method`. Returns null
  // when there is nothing to re-check (auth off). The registry keeps only a
  // weak reference; the handle must not outlive the registry.
  std::unique_ptr<Handle> Add(const Caller& caller, std::string full_method,
                              std::weak_ptr<Stream> stream);

  // Re-authorizes every registered stream and revokes those refused. Returns
  // how many were revoked. Called on every reload; public for tests.
  int ReauthorizeAll();

 private:
  struct Entry {
    Caller caller;
    std::string full_method;
    std::weak_ptr<Stream> stream;
  };
  void Remove(uint64_t id);

  const CallGate* const gate_;
  int64_t listener_id_ = -1;
  absl::Mutex mutex_;
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::flat_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_STREAM_REGISTRY_H_
