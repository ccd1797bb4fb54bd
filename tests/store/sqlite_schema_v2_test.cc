// Schema 2 (issue 13): a store written in schema 1 migrates in place and
// serves the same answers; a schema-2 store answers every history read with
// exactly the events it committed (what watchers saw live); a claim's history
// grows linearly with its evidence.
//
// The reference is a history computed in memory with core::ApplyMutation (the
// rules every backend runs) and the same stepping clock the store is given, so
// the events a store serves must equal it field for field. The API builds
// ListClaimEvents, WatchClaims and catch-up responses from these values alone,
// so equal values are byte-identical responses.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "service/core/mutation.h"
#include "service/store/data_dir.h"
#include "service/store/record_codec.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_db.h"
#include "service/store/sqlite_schema.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using core::VerificationStatus;

core::Mutation CreateWithEvidence(const std::string& id,
                                  const std::string& statement) {
  core::Mutation mutation = CreateMutation(id, {{"desk", "world"}});
  auto& create = std::get<core::CreateClaim>(mutation.op);
  create.claim.statement = statement;
  core::Evidence dated;
  dated.source = "archive";
  dated.quote = "opened in 1933";
  dated.time = absl::FromUnixNanos(-1234567890123);
  core::Evidence undated;
  undated.source = "wire";
  undated.note = "time not given: the store records the commit time";
  create.claim.evidence = {dated, undated};
  return mutation;
}

// Creates, updates, a deletion and a re-creation under the same id (a second
// incarnation), a claim created and deleted, a long-lived claim with many
// updates, and request_ids on some of them.
std::vector<core::Mutation> Script() {
  std::vector<core::Mutation> script;
  script.push_back(CreateWithEvidence("c1", "The bridge opened in 1932."));
  script.push_back(CreateMutation("c2", {}, "req-create-c2"));
  script.push_back(UpdateMutation("c1", VerificationStatus::kDenied));
  script.push_back(UpdateMutation("c2", VerificationStatus::kConfirmed));
  script.push_back(DeleteMutation("c2", 0, "req-delete-c2"));
  script.push_back(CreateMutation("c3"));
  script.push_back(CreateWithEvidence("c2", "A second claim under c2."));
  script.push_back(UpdateMutation("c2", VerificationStatus::kDenied));
  script.push_back(DeleteMutation("c3"));
  for (int i = 0; i < 30; ++i) {
    script.push_back(UpdateMutation("c1",
                                    i % 2 == 0 ? VerificationStatus::kConfirmed
                                               : VerificationStatus::kDenied,
                                    0, i == 20 ? "req-update-c1" : ""));
  }
  script.push_back(UpdateMutation("c2", VerificationStatus::kReported));
  return script;
}

// The history the script makes, computed in memory.
struct History {
  std::vector<core::ClaimEventPtr> events;    // events[i]: revision i + 1
  std::map<std::string, core::Claim> claims;  // live, after the last event
  std::map<std::string, int64_t> request_revisions;
};

History Compute(const std::vector<core::Mutation>& script) {
  History history;
  std::function<absl::Time()> clock = SteppingClock();
  for (const core::Mutation& mutation : script) {
    auto it = history.claims.find(mutation.claim_id());
    const core::Claim* current =
        it == history.claims.end() ? nullptr : &it->second;
    const int64_t revision = static_cast<int64_t>(history.events.size()) + 1;
    absl::StatusOr<core::ClaimEvent> event =
        core::ApplyMutation(mutation, current, revision, clock());
    EXPECT_OK(event);
    if (!event.ok()) continue;
    if (event->type == core::EventType::kDeleted) {
      history.claims.erase(event->claim.id);
    } else {
      history.claims[event->claim.id] = event->claim;
    }
    if (!mutation.request_id.empty())
      history.request_revisions[mutation.request_id] = revision;
    history.events.push_back(
        std::make_shared<const core::ClaimEvent>(*std::move(event)));
  }
  return history;
}

// Writes `history` the way claimd's schema-1 writer did: whole claims in
// claims.record and events.record, request rows, meta; then trims events and
// request_ids at or below `compact_revision`, as its compaction did.
void WriteSchema1Store(const std::string& path, const History& history,
                       const std::vector<core::Mutation>& script,
                       int64_t compact_revision) {
  store::internal::Connection::Options options;
  options.create = true;
  ASSERT_OK_AND_ASSIGN(auto db,
                       store::internal::Connection::Open(path, options));
  ASSERT_OK(db->Exec("BEGIN IMMEDIATE"));
  ASSERT_OK(db->Exec(absl::StrCat("PRAGMA application_id = ",
                                  store::internal::kApplicationId)));
  ASSERT_OK(db->Exec(store::internal::kSchema1Sql));
  ASSERT_OK_AND_ASSIGN(
      auto upsert, db->Prepare("INSERT OR REPLACE INTO claims (id, revision, "
                               "status, record) VALUES (?1, ?2, ?3, ?4)"));
  ASSERT_OK_AND_ASSIGN(auto remove,
                       db->Prepare("DELETE FROM claims WHERE id = ?1"));
  ASSERT_OK_AND_ASSIGN(auto event_row,
                       db->Prepare("INSERT INTO events (revision, claim_id, "
                                   "type, record) VALUES (?1, ?2, ?3, ?4)"));
  ASSERT_OK_AND_ASSIGN(
      auto request_row,
      db->Prepare("INSERT INTO requests (request_id, revision, "
                  "fingerprint) VALUES (?1, ?2, ?3)"));
  for (size_t i = 0; i < history.events.size(); ++i) {
    const core::ClaimEvent& event = *history.events[i];
    if (event.type == core::EventType::kDeleted) {
      remove->BindText(1, event.claim.id);
      ASSERT_OK(remove->Run());
      remove->Reset();
    } else {
      upsert->BindText(1, event.claim.id);
      upsert->BindInt64(2, event.claim.revision);
      upsert->BindInt64(3, static_cast<int64_t>(event.claim.status));
      upsert->BindBlob(4, store::EncodeClaim(event.claim));
      ASSERT_OK(upsert->Run());
      upsert->Reset();
    }
    event_row->BindInt64(1, event.revision);
    event_row->BindText(2, event.claim.id);
    event_row->BindInt64(3, static_cast<int64_t>(event.type));
    event_row->BindBlob(4, store::EncodeEvent(event));
    ASSERT_OK(event_row->Run());
    event_row->Reset();
    const core::Mutation& mutation = script[i];
    if (!mutation.request_id.empty()) {
      request_row->BindText(1, mutation.request_id);
      request_row->BindInt64(2, event.revision);
      request_row->BindInt64(
          3, static_cast<int64_t>(core::MutationFingerprint(mutation)));
      ASSERT_OK(request_row->Run());
      request_row->Reset();
    }
  }
  ASSERT_OK(db->Exec(
      absl::StrCat("UPDATE meta SET value = ", history.events.size(),
                   " WHERE key = 'revision';",
                   "DELETE FROM events WHERE revision <= ", compact_revision,
                   ";DELETE FROM requests WHERE revision <= ", compact_revision,
                   ";UPDATE meta SET value = ", compact_revision,
                   " WHERE key = 'compact_revision';PRAGMA user_version = 1;"
                   "COMMIT")));
}

// Every event from `from` on, read in pages of 4 (and, per claim, in pages of
// 3), equals the history's.
void ExpectHistoryServed(core::ClaimStore& store, const History& history,
                         int64_t from) {
  std::vector<core::ClaimEventPtr> read;
  int64_t next = from;
  for (int pages = 0; pages < 100; ++pages) {
    ASSERT_OK_AND_ASSIGN(core::EventPage page,
                         store.ListEvents({.from_revision = next, .limit = 4}));
    read.insert(read.end(), page.events.begin(), page.events.end());
    next = page.next_revision;
    if (!page.more) break;
  }
  ASSERT_EQ(read.size(), history.events.size() - (from - 1));
  for (const core::ClaimEventPtr& event : read)
    EXPECT_EQ(*event, *history.events[event->revision - 1]) << event->revision;

  for (const char* id : {"c1", "c2", "c3"}) {
    std::vector<core::ClaimEventPtr> expected;
    for (size_t i = from - 1; i < history.events.size(); ++i) {
      if (history.events[i]->claim.id == id)
        expected.push_back(history.events[i]);
    }
    std::vector<core::ClaimEventPtr> per_claim;
    next = from;
    for (int pages = 0; pages < 100; ++pages) {
      ASSERT_OK_AND_ASSIGN(
          core::EventPage page,
          store.ListEvents(
              {.claim_id = id, .from_revision = next, .limit = 3}));
      per_claim.insert(per_claim.end(), page.events.begin(), page.events.end());
      next = page.next_revision;
      if (!page.more) break;
    }
    ASSERT_EQ(per_claim.size(), expected.size()) << id;
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_EQ(*per_claim[i], *expected[i]) << id << " #" << i;
  }
}

void ExpectClaimsServed(core::ClaimStore& store, const History& history) {
  std::vector<core::Claim> live;
  for (const auto& [id, claim] : history.claims) {
    ASSERT_OK_AND_ASSIGN(core::Claim got, store.Get(id));
    EXPECT_EQ(got, claim);
    live.push_back(claim);
  }
  EXPECT_THAT(store.Get("c3"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(core::ClaimPage page, store.List({}));
  EXPECT_EQ(page.claims, live);
  ASSERT_OK_AND_ASSIGN(core::Snapshot snapshot, store.ReadSnapshot({}));
  EXPECT_EQ(snapshot.claims, live);
  EXPECT_EQ(snapshot.revision, static_cast<int64_t>(history.events.size()));
}

absl::StatusOr<std::unique_ptr<store::SqliteClaimStore>> OpenStore(
    const std::string& path, core::CommitObserver* observer) {
  store::SqliteStoreOptions options;
  options.clock = SteppingClock();
  options.observer = observer;
  return store::SqliteClaimStore::Open(path, std::move(options));
}

int64_t QueryInt(const std::string& path, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<store::internal::Connection>> db =
      store::internal::Connection::Open(path, {});
  EXPECT_OK(db);
  if (!db.ok()) return -1;
  absl::StatusOr<int64_t> value = (*db)->QueryInt64(sql);
  EXPECT_OK(value);
  return value.ok() ? *value : -1;
}

TEST(SqliteSchema2, CommittedHistoryIsServedExactly) {
  const std::vector<core::Mutation> script = Script();
  const History history = Compute(script);
  TempDir dir;
  const std::string path = store::DatabasePath(dir.path());
  RecordingObserver observer;
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenStore(path, &observer));
    for (const core::Mutation& mutation : script)
      ASSERT_OK(store->Apply(mutation));
    // What watchers were sent live is the reference history.
    const std::vector<core::ClaimEventPtr> live = observer.events();
    ASSERT_EQ(live.size(), history.events.size());
    for (size_t i = 0; i < live.size(); ++i)
      EXPECT_EQ(*live[i], *history.events[i]) << "revision " << i + 1;
    ExpectHistoryServed(*store, history, 1);
    ExpectClaimsServed(*store, history);
  }
  // Reopened: nothing is served from the writer's memory.
  ASSERT_OK_AND_ASSIGN(auto store, OpenStore(path, nullptr));
  ExpectHistoryServed(*store, history, 1);
  ExpectClaimsServed(*store, history);
}

TEST(SqliteSchema2, Schema1StoreMigratesInPlaceAndServesTheSameAnswers) {
  const std::vector<core::Mutation> script = Script();
  const History history = Compute(script);
  TempDir dir;
  const std::string path = store::DatabasePath(dir.path());
  // Compacted past c2's first incarnation and its deletion (revision 5).
  constexpr int64_t kCompacted = 6;
  WriteSchema1Store(path, history, script, kCompacted);
  ASSERT_EQ(QueryInt(path, "PRAGMA user_version"), 1);

  ASSERT_OK_AND_ASSIGN(auto store, OpenStore(path, nullptr));
  EXPECT_EQ(QueryInt(path, "PRAGMA user_version"), 2);
  EXPECT_EQ(store->CurrentRevision(),
            static_cast<int64_t>(history.events.size()));
  EXPECT_EQ(store->CompactRevision(), kCompacted);
  ExpectHistoryServed(*store, history, kCompacted + 1);
  ExpectClaimsServed(*store, history);
  EXPECT_THAT(store->ListEvents({.from_revision = kCompacted}),
              StatusIs(absl::StatusCode::kOutOfRange));
  // c3 (deleted at 9) keeps its head for its events; evidence moved out of
  // every record: c1 2 + 31, c2's second incarnation 2 + 2, c3's none.
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM retired_claims"), 1);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM evidence"), 37);

  // A retry of a request the schema-1 store recorded replays its event.
  const int64_t update_revision = history.request_revisions.at("req-update-c1");
  core::Mutation retry;
  for (const core::Mutation& mutation : script)
    if (mutation.request_id == "req-update-c1") retry = mutation;
  ASSERT_OK_AND_ASSIGN(core::MutationResult replayed, store->Apply(retry));
  EXPECT_TRUE(replayed.replayed);
  EXPECT_EQ(*replayed.event, *history.events[update_revision - 1]);

  // New writes continue the history.
  ASSERT_OK_AND_ASSIGN(
      core::MutationResult next,
      store->Apply(UpdateMutation("c1", VerificationStatus::kConfirmed)));
  EXPECT_EQ(next.event->revision,
            static_cast<int64_t>(history.events.size()) + 1);
  EXPECT_EQ(next.event->claim.evidence.size(),
            history.claims.at("c1").evidence.size() + 1);
  ASSERT_OK_AND_ASSIGN(core::Claim c1, store->Get("c1"));
  EXPECT_EQ(c1, next.event->claim);

  // Compacting past c3's deletion drops its head; what is left still reads.
  ASSERT_OK(store->Compact(9));
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM retired_claims"), 0);
  History rest = history;
  rest.events.push_back(next.event);
  rest.claims["c1"] = next.event->claim;
  ExpectHistoryServed(*store, rest, 10);
  ExpectClaimsServed(*store, rest);
}

TEST(SqliteSchema2, HistoryGrowsLinearlyWithEvidence) {
  TempDir dir;
  const std::string path = store::DatabasePath(dir.path());
  ASSERT_OK_AND_ASSIGN(auto store, OpenStore(path, nullptr));
  ASSERT_OK(store->Apply(CreateMutation("c")));
  constexpr int kUpdates = 200;
  for (int i = 0; i < kUpdates; ++i) {
    ASSERT_OK(
        store->Apply(UpdateMutation("c", i % 2 ? VerificationStatus::kConfirmed
                                               : VerificationStatus::kDenied)));
  }
  store.reset();
  // Each item once; an event row's size does not depend on how much evidence
  // the claim holds (schema 1 stored the whole claim in every event).
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM evidence"), kUpdates);
  const int64_t first =
      QueryInt(path, "SELECT length(record) FROM events WHERE revision = 2");
  const int64_t last = QueryInt(
      path, absl::StrCat("SELECT length(record) FROM events WHERE revision = ",
                         kUpdates + 1));
  EXPECT_LE(last, first + 2);  // a longer varint for the count, at most
  EXPECT_LT(QueryInt(path, "SELECT max(length(record)) FROM claims"), 200);
}

}  // namespace
}  // namespace claimd::testing
