#include "tests/bench/targets.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/bench/cluster_fanout.h"

namespace claimd::bench {
namespace {

class TargetTable {
 public:
  TargetTable(const BenchReport& report, std::ostream& out)
      : report_(report), out_(out) {
    out_ << "| target | measured | verdict |\n|---|---|---|\n";
  }

  std::optional<Measurement> Get(const std::string& workload,
                                 const std::string& system,
                                 const std::string& setup_prefix) const {
    const ResultRow* row = report_.Find(workload, system, setup_prefix);
    if (row == nullptr || row->trials.empty()) return std::nullopt;
    return row->Median();
  }

  // value must be >= goal (at_least) or < goal.
  void Line(const std::string& target, std::optional<double> value, double goal,
            bool at_least, const std::string& unit) {
    if (!value.has_value()) return;
    const bool met = at_least ? *value >= goal : *value < goal;
    std::string verdict = goal == 0 ? "(ratio, no target)"
                          : met     ? "met"
                                    : "MISSED";
    if (!met && goal != 0) {
      verdict = absl::StrCat(
          "MISSED by ",
          absl::StrFormat("%.0f", std::abs(*value - goal) / goal * 100), " %");
    }
    out_ << "| " << target << " | " << FormatFigure(value) << " " << unit
         << " | " << verdict << " |\n";
  }

 private:
  const BenchReport& report_;
  std::ostream& out_;
};

std::optional<double> Ratio(std::optional<double> a, std::optional<double> b) {
  if (!a.has_value() || !b.has_value() || *b == 0) return std::nullopt;
  return *a / *b;
}

}  // namespace

void PrintTargets(const BenchPlan& plan, const BenchReport& report,
                  std::ostream& out) {
  TargetTable t(report, out);
  const std::string steady = absl::StrCat(plan.steady_rate);
  auto rate = [](const std::optional<Measurement>& m) {
    return m ? m->rate : std::nullopt;
  };
  auto p50 = [](const std::optional<Measurement>& m) {
    return m ? m->p50_ms : std::nullopt;
  };
  auto p99 = [](const std::optional<Measurement>& m) {
    return m ? m->p99_ms : std::nullopt;
  };
  // The empty-store rows by their full setup, so that a run without them
  // cannot pick the large-store rows instead.
  const auto update =
      t.Get("write", "claimd",
            absl::StrCat("UpdateClaimStatus, ", plan.in_flight, " in flight, ",
                         plan.channels, " channels, empty store"));
  const auto create = t.Get("write", "claimd", "CreateClaim, ");
  const auto put = t.Get("write", "etcd", "Put, ");
  const auto unary = t.Get("write", "ceiling", "echo unary, ");
  const auto stream = t.Get("fanout", "ceiling", "echo stream, 1000 ");
  t.Line("UpdateClaimStatus / etcd Put, 64 in flight (>= 1.5)",
         Ratio(rate(update), rate(put)), 1.5, true, "x");
  t.Line("CreateClaim / etcd Put, 64 in flight (>= 1.5)",
         Ratio(rate(create), rate(put)), 1.5, true, "x");
  t.Line("UpdateClaimStatus / unary ceiling (>= 0.5)",
         Ratio(rate(update), rate(unary)), 0.5, true, "x");
  t.Line("CreateClaim / unary ceiling (>= 0.5)",
         Ratio(rate(create), rate(unary)), 0.5, true, "x");
  const auto steady_write =
      t.Get("write", "claimd",
            absl::StrCat("UpdateClaimStatus at ", steady, "/s, empty store"));
  t.Line(absl::StrCat("p99 write latency at ", steady, "/s (< 5 ms)"),
         p99(steady_write), 5, false, "ms");
  const auto etcd_steady = t.Get("write", "etcd", "Put at ");
  t.Line(
      absl::StrCat("etcd: p99 put latency at ", steady, "/s (for comparison)"),
      p99(etcd_steady), 5, false, "ms");
  const auto one = t.Get("fanout", "claimd",
                         absl::StrCat("1 watchers, ", steady, " writes/s"));
  t.Line(absl::StrCat("p99 watch delivery, 1 watcher at ", steady,
                      " writes/s (< 5 ms)"),
         p99(one), 5, false, "ms");
  const auto thousand = t.Get(
      "fanout", "claimd", absl::StrCat("1000 watchers, ", steady, " writes/s"));
  t.Line(absl::StrCat("p99 delivery, 1,000 watchers at ", steady,
                      " writes/s (< 50 ms)"),
         p99(thousand), 50, false, "ms");
  if (thousand && thousand->write_rate)
    t.Line(absl::StrCat("writes/s the writer held beside 1,000 watchers (>= ",
                        0.95 * plan.steady_rate,
                        ": 95 % of the rate the delivery target assumes)"),
           thousand->write_rate, 0.95 * plan.steady_rate, true, "/s");
  const auto thousand_full =
      t.Get("fanout", "claimd", "1000 watchers, full-speed");
  t.Line(
      "fan-out events/s, 1,000 watchers full speed / streaming ceiling "
      "(1,000 streams)",
      Ratio(rate(thousand_full), rate(stream)), 0, true, "x");
  // Measured on a fresh claimd per trial (the fan-out rows' RSS includes what
  // earlier trials left).
  const auto idle = t.Get("idle", "claimd", "10000 idle watchers");
  if (idle)
    t.Line("server RSS with 10,000 idle watchers, fresh claimd (< 200 MiB)",
           idle->extra, 200, false, "MiB");
  const auto small_claims =
      t.Get("write", "claimd", "UpdateClaimStatus of claims holding 1 ");
  const auto large_claims =
      t.Get("write", "claimd", "UpdateClaimStatus of claims holding 200 ");
  t.Line("update of a 200-evidence claim / a 1-evidence claim (>= 0.8)",
         Ratio(rate(large_claims), rate(small_claims)), 0.8, true, "x");
  const auto disk = t.Get("disk", "claimd", "");
  if (disk)
    t.Line("data directory / raw bytes after evidence-adding updates (< 2)",
           disk->extra, 2, false, "x");
  const auto catchup = t.Get("catchup", "claimd", "");
  t.Line("catch-up from revision 1 (>= 200,000 events/s)", rate(catchup),
         200000, true, "events/s");
  const auto recovery = t.Get("recovery", "claimd", "");
  if (recovery)
    t.Line(absl::StrCat("start to serving with ", plan.history_claims,
                        " claims (< 3 s)"),
           recovery->extra, 3, false, "s");
  const auto big_history =
      t.Get("write", "claimd",
            absl::StrCat("UpdateClaimStatus, ", plan.in_flight, " in flight, ",
                         plan.channels, " channels, ", plan.history_claims));
  const auto big_steady = t.Get("write", "claimd",
                                absl::StrCat("UpdateClaimStatus at ", steady,
                                             "/s, ", plan.history_claims));
  t.Line("write p50 with the large store / empty store, full speed (< 1.2)",
         Ratio(p50(big_history), p50(update)), 1.2, false, "x");
  t.Line("write p50 with the large store / empty store, steady (< 1.2)",
         Ratio(p50(big_steady), p50(steady_write)), 1.2, false, "x");
  t.Line("write p99 with the large store / empty store, steady (< 1.2)",
         Ratio(p99(big_steady), p99(steady_write)), 1.2, false, "x");

  // Issue 17: claimd over an etcd cluster (cluster_rows.h), against etcd's
  // own Put on the same cluster in the same run.
  const std::string etcd =
      absl::StrCat("etcd, ", plan.etcd_cluster, " members");
  const auto cluster_put = t.Get("write", etcd, "Put, ");
  for (const int count : plan.replicas) {
    const std::string replicas =
        absl::StrCat(count, count == 1 ? " replica" : " replicas");
    for (const std::string op : {"CreateClaim", "UpdateClaimStatus"}) {
      t.Line(absl::StrCat("etcd backend: ", op, " through ", replicas,
                          " / etcd Put, full speed (>= 1)"),
             Ratio(rate(t.Get("write", "claimd on etcd",
                              absl::StrCat(op, ", ", replicas, ", "))),
                   rate(cluster_put)),
             1, true, "x");
    }
  }
  for (const std::string op : {"CreateClaim", "UpdateClaimStatus"}) {
    t.Line(absl::StrCat("etcd backend: p99 of ", op, " at ", steady,
                        "/s (< 10 ms)"),
           p99(t.Get("write", "claimd on etcd",
                     absl::StrCat(op, " at ", steady, "/s"))),
           10, false, "ms");
  }
  t.Line(absl::StrCat("etcd: p99 Put at ", steady, "/s (for comparison)"),
         p99(t.Get("write", etcd, "Put at ")), 10, false, "ms");
  // Fan-out per replica as with SQLite: the writer holds its rate (>= 95 %)
  // and every replica's watchers get their events within 50 ms at p99.
  if (plan.cluster_fanout_watchers > 0) {
    for (const int count : plan.replicas) {
      const std::string setup =
          absl::StrCat(plan.cluster_fanout_watchers, " watchers, ", count,
                       count == 1 ? " replica" : " replicas", ", ",
                       plan.cluster_fanout_rate, " writes/s through replica 1");
      t.Line(
          absl::StrCat("etcd backend fan-out, ", setup, ": writer's rate (>= ",
                       0.95 * plan.cluster_fanout_rate, "/s)"),
          t.Get("fanout", "claimd on etcd", ClusterFanoutSetup(plan, count, 0))
              .value_or(Measurement())
              .write_rate,
          0.95 * plan.cluster_fanout_rate, true, "writes/s");
      for (int r = 0; r < count; ++r) {
        t.Line(absl::StrCat("etcd backend fan-out, ", setup,
                            ": delivery p99 on replica ", r + 1, " (< 50 ms)"),
               p99(t.Get("fanout", "claimd on etcd",
                         ClusterFanoutSetup(plan, count, r))),
               50, false, "ms");
      }
    }
  }
  const auto failover = t.Get("failover", "claimd on etcd", "");
  if (failover)
    t.Line(
        "kill -9 of a replica to its watcher's first event from another "
        "(< 2 s)",
        failover->extra, 2, false, "s");
  // The goal is about the longest pause: judged on the worst trial, not the
  // median.
  const ResultRow* leader = report.Find("leader kill", "claimd on etcd");
  if (leader != nullptr) {
    std::optional<double> worst;
    for (const Measurement& trial : leader->trials) {
      if (trial.extra && (!worst || *trial.extra > *worst)) worst = trial.extra;
    }
    t.Line(
        "etcd leader kill -9: longest pause between acknowledged writes, "
        "worst trial (< 3 s)",
        worst, 3, false, "s");
  }
}

}  // namespace claimd::bench
