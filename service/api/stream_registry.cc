#include "service/api/stream_registry.h"

#include <utility>
#include <vector>

#include "service/util/log.h"

namespace claimd::api {

StreamRegistry::StreamRegistry(const CallGate* gate) : gate_(gate) {
  if (gate_->authenticator() != nullptr) {
    listener_id_ =
        gate_->authenticator()->AddReloadListener([this] { ReauthorizeAll(); });
  }
}

StreamRegistry::~StreamRegistry() {
  // Waits for a reload that is re-checking streams right now.
  if (listener_id_ >= 0) {
    gate_->authenticator()->RemoveReloadListener(listener_id_);
  }
}

std::unique_ptr<StreamRegistry::Handle> StreamRegistry::Add(
    const Caller& caller, std::string full_method,
    std::weak_ptr<Stream> stream) {
  if (!caller.authenticated) return nullptr;
  absl::MutexLock lock(&mutex_);
  const uint64_t id = next_id_++;
  entries_.emplace(id,
                   Entry{caller, std::move(full_method), std::move(stream)});
  return std::make_unique<Handle>(this, id);
}

void StreamRegistry::Remove(uint64_t id) {
  absl::MutexLock lock(&mutex_);
  entries_.erase(id);
}

int StreamRegistry::ReauthorizeAll() {
  // Decide under the lock (authorization is a table lookup: no I/O), revoke
  // outside it, so a stream ending (and unregistering) cannot deadlock with
  // this loop.
  std::vector<std::pair<std::shared_ptr<Stream>, absl::Status>> revoked;
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [id, entry] : entries_) {
      absl::Status allowed =
          gate_->Reauthorize(entry.caller, entry.full_method);
      if (allowed.ok()) continue;
      if (std::shared_ptr<Stream> stream = entry.stream.lock()) {
        revoked.emplace_back(std::move(stream), std::move(allowed));
      }
    }
  }
  for (auto& [stream, status] : revoked) stream->Revoke(std::move(status));
  if (!revoked.empty()) {
    util::LogInfo("credentials reloaded: ended ", revoked.size(),
                  " open streams whose callers lost the role they need");
  }
  return static_cast<int>(revoked.size());
}

}  // namespace claimd::api
