// Building blocks of the etcd Txns the backend writes: the compares it guards
// them with (a key's mod revision, a key that must not exist yet), the
// puts it makes when they hold, and what it allows for etcd's framing when
// it sizes a Txn. Each compare-and-put of the store reads as
// the condition and the write it makes, instead of six proto setters.
//
// Thread-safety: pure functions on the request they are given.
#ifndef CLAIMD_SERVICE_ETCD_STORE_ETCD_TXN_H_
#define CLAIMD_SERVICE_ETCD_STORE_ETCD_TXN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"

namespace claimd::etcd_store {

// Room left in a request for etcd's own framing of each operation and the
// header, when a Txn is sized against --max-request-bytes; keys and values
// are counted exactly.
constexpr size_t kRequestOverhead = 64 << 10;
constexpr size_t kPerOpOverhead = 32;

// Holds when `key`'s mod revision compares to `mod_revision` as `result`
// says (a missing key has mod revision 0).
inline void CompareModRevision(etcdserverpb::TxnRequest& txn,
                               const std::string& key,
                               etcdserverpb::Compare::CompareResult result,
                               int64_t mod_revision) {
  etcdserverpb::Compare* compare = txn.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::MOD);
  compare->set_result(result);
  compare->set_mod_revision(mod_revision);
}

// Holds when `key` does not exist (it was never created, or was deleted).
inline void CompareAbsent(etcdserverpb::TxnRequest& txn,
                          const std::string& key) {
  etcdserverpb::Compare* compare = txn.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_create_revision(0);
}

// When the compares hold, puts `value` at `key`; returns the put (to attach
// a lease, say).
inline etcdserverpb::PutRequest* PutOnSuccess(etcdserverpb::TxnRequest& txn,
                                              const std::string& key,
                                              const std::string& value) {
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  return put;
}

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_ETCD_TXN_H_
