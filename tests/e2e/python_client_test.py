"""A real client that shares no code with claimd: Debian's Python gRPC
(python3-grpcio, python3-grpc-tools) generates its stubs from
proto/claims/v1/claims.proto and calls every method of ClaimService on the real
binary, with and without gzip, checking what the contract in the proto says.
The claims come back as protobuf itself parses them, so a server that wrote a
message by hand (service/api/claim_wire.h) must write exactly the messages the
proto describes. And the channel configuration docs/DESIGN.md gives Python
services for failover (its service config, read from the document) carries
calls through a server killed under them.

  /usr/bin/python3 python_client_test.py --claimd build/service/claimd \\
      --proto_root proto --design docs/DESIGN.md
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "security"))
import harness  # noqa: E402  (beside the security tests)


def generate_stubs(proto_root, out_dir):
    os.makedirs(out_dir)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc",
                    f"-I{proto_root}", "-I/usr/include",
                    f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
                    os.path.join(proto_root, "claims", "v1", "claims.proto")],
                   check=True)
    sys.path.insert(0, out_dir)


class Failed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failed(what)


def expect_code(call, code, what, message_part=""):
    import grpc
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code,
               f"{what}: got {error.code()} {error.details()!r}, want {code}")
        expect(message_part in (error.details() or ""),
               f"{what}: {error.details()!r} does not say {message_part!r}")
        return
    raise Failed(f"{what}: succeeded, want {code}")


def run(port):
    import grpc
    from claims.v1 import claims_pb2 as pb
    from claims.v1 import claims_pb2_grpc as pb_grpc

    timeout = 30
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.ClaimServiceStub(channel)

    # CreateClaim: labels, evidence (one with its own time), a statement in
    # UTF-8 beyond ASCII.
    create = pb.CreateClaimRequest(claim_id="py-minister-call", request_id="r1")
    create.claim.statement = "Le ministre a refusé l'appel \u2014 officials said"
    create.claim.labels["desk"] = "politics"
    create.claim.labels["lang"] = "fr"
    first = create.claim.evidence.add(source="Wire", url="https://wire.example/1",
                                      quote="\u00ab refus \u00bb")
    first.time.seconds = 1700000000
    first.time.nanos = 5
    create.claim.evidence.add(source="Desk", actor="desk@example.org")
    created = stub.CreateClaim(create, timeout=timeout)
    expect(created.name == "claims/py-minister-call", f"name {created.name}")
    expect(created.statement == create.claim.statement, "statement")
    expect(created.status == pb.VERIFICATION_STATUS_REPORTED,
           "a create without a status is REPORTED")
    expect(dict(created.labels) == {"desk": "politics", "lang": "fr"}, "labels")
    expect(len(created.evidence) == 2, "two evidence items")
    expect(created.evidence[0].time.seconds == 1700000000 and
           created.evidence[0].time.nanos == 5, "the evidence keeps its time")
    expect(created.evidence[1].HasField("time"),
           "evidence without a time gets the commit's")
    expect(all(e.revision == created.revision for e in created.evidence),
           "evidence records the create's revision")
    expect(created.create_revision == created.revision == 1, "revision 1")
    expect(created.HasField("create_time") and created.HasField("update_time"),
           "both times are set")

    # The same request_id again: the first claim, not a second create.
    again = stub.CreateClaim(create, timeout=timeout)
    expect(again == created, "a retried create returns the first claim")

    # A large claim, both ways compressed: 200 items of 1 KB.
    large = pb.CreateClaimRequest(claim_id="py-large")
    large.claim.statement = "A claim with much evidence"
    for i in range(200):
        large.claim.evidence.add(source=f"outlet {i}", quote="q" * 1000)
    large_claim = stub.CreateClaim(large, timeout=timeout,
                                   compression=grpc.Compression.Gzip)
    expect(len(large_claim.evidence) == 200, "200 items come back")
    expect(large_claim.evidence[199].quote == "q" * 1000, "the last item whole")

    # GetClaim: the same claim; missing and malformed names.
    got = stub.GetClaim(pb.GetClaimRequest(name="claims/py-minister-call"),
                        timeout=timeout)
    expect(got == created, "GetClaim returns what CreateClaim did")
    expect_code(lambda: stub.GetClaim(pb.GetClaimRequest(name="claims/none"),
                                      timeout=timeout),
                grpc.StatusCode.NOT_FOUND, "a missing claim", "claims/none")
    expect_code(lambda: stub.GetClaim(pb.GetClaimRequest(name="nope"),
                                      timeout=timeout),
                grpc.StatusCode.INVALID_ARGUMENT, "a malformed name", "name")

    # A watcher from revision 1, before the update, in its own thread.
    events = queue.Queue()
    watch_call = stub.WatchClaims(pb.WatchClaimsRequest(start_revision=1))

    def read_watch():
        try:
            for response in watch_call:
                for event in response.events:
                    events.put(event)
        except grpc.RpcError:
            pass  # cancelled at the end

    reader = threading.Thread(target=read_watch, daemon=True)
    reader.start()

    # UpdateClaimStatus: compare-and-set on the revision.
    update = pb.UpdateClaimStatusRequest(
        name="claims/py-minister-call",
        status=pb.VERIFICATION_STATUS_DENIED,
        evidence=pb.Evidence(source="Ministry", url="https://gov.example/x"),
        expected_revision=created.revision)
    updated = stub.UpdateClaimStatus(update, timeout=timeout,
                                     compression=grpc.Compression.Gzip)
    expect(updated.status == pb.VERIFICATION_STATUS_DENIED, "DENIED")
    expect(updated.revision == 3, f"revision {updated.revision}")
    expect(len(updated.evidence) == 3, "the update adds its evidence")
    expect(updated.evidence[2].status == pb.VERIFICATION_STATUS_DENIED,
           "the new evidence records the new status")
    expect(list(updated.evidence[:2]) == list(created.evidence),
           "earlier evidence is unchanged")
    expect(updated.create_time == created.create_time, "create_time kept")
    expect_code(lambda: stub.UpdateClaimStatus(update, timeout=timeout),
                grpc.StatusCode.ABORTED, "a stale expected_revision")

    # The watcher sees 1, 2, 3 in order, each once, the claims whole.
    seen = [events.get(timeout=timeout) for _ in range(3)]
    expect([e.revision for e in seen] == [1, 2, 3], "watch revisions 1..3")
    expect([e.type for e in seen] == [pb.EVENT_TYPE_CREATED] * 2 +
           [pb.EVENT_TYPE_STATUS_CHANGED], "event types")
    expect(seen[2].claim == updated, "the watched claim is the updated one")
    expect(seen[2].previous_status == pb.VERIFICATION_STATUS_REPORTED,
           "previous status")
    expect(len(seen[1].claim.evidence) == 200, "the large claim, watched")
    watch_call.cancel()
    reader.join(timeout)

    # A snapshot watch: the current claims, then snapshot_complete.
    snapshot = stub.WatchClaims(pb.WatchClaimsRequest(initial_snapshot=True))
    names = []
    for response in snapshot:
        names += [e.claim.name for e in response.events
                  if e.type == pb.EVENT_TYPE_SNAPSHOT]
        if response.snapshot_complete:
            break
    snapshot.cancel()
    expect(sorted(names) == ["claims/py-large", "claims/py-minister-call"],
           f"snapshot {names}")

    # ListClaims: one claim a page, with a filter.
    pages, listed, token = 0, [], ""
    while True:
        page = stub.ListClaims(pb.ListClaimsRequest(page_size=1,
                                                    page_token=token),
                               timeout=timeout)
        pages += 1
        listed += list(page.claims)
        expect(page.revision == 3 and page.store_id, "page revision and store")
        token = page.next_page_token
        if not token:
            break
        expect(pages < 10, "ListClaims keeps paging")
    expect([c.name for c in listed] == ["claims/py-large",
                                        "claims/py-minister-call"],
           f"listed {[c.name for c in listed]}")
    expect(listed[1] == updated, "a listed claim is the whole claim")
    denied = stub.ListClaims(pb.ListClaimsRequest(filter="status = DENIED"),
                             timeout=timeout)
    expect([c.name for c in denied.claims] == ["claims/py-minister-call"],
           "filter")

    # DeleteClaim, then its history.
    stub.DeleteClaim(pb.DeleteClaimRequest(name="claims/py-minister-call",
                                           expected_revision=3),
                     timeout=timeout)
    expect_code(lambda: stub.GetClaim(
        pb.GetClaimRequest(name="claims/py-minister-call"), timeout=timeout),
        grpc.StatusCode.NOT_FOUND, "a deleted claim")
    history = stub.ListClaimEvents(
        pb.ListClaimEventsRequest(parent="claims/py-minister-call"),
        timeout=timeout)
    expect([e.type for e in history.events] ==
           [pb.EVENT_TYPE_CREATED, pb.EVENT_TYPE_STATUS_CHANGED,
            pb.EVENT_TYPE_DELETED], "history of one claim")
    expect(history.events[1] == seen[2], "history and watch carry one event")
    everything = stub.ListClaimEvents(
        pb.ListClaimEventsRequest(parent="claims/-", page_size=2),
        timeout=timeout)
    expect([e.revision for e in everything.events] == [1, 2] and
           everything.next_page_token, "a page of all history")
    rest = stub.ListClaimEvents(
        pb.ListClaimEventsRequest(parent="claims/-", page_size=2,
                                  page_token=everything.next_page_token),
        timeout=timeout)
    expect([e.revision for e in rest.events] == [3, 4] and
           not rest.next_page_token, "the last page of all history")

    # Bytes that are not the request message: INVALID_ARGUMENT, nothing
    # written. A generated Python stub cannot send them, so a raw one does.
    for method in ("CreateClaim", "UpdateClaimStatus", "GetClaim"):
        raw = channel.unary_unary(f"/claims.v1.ClaimService/{method}")
        expect_code(lambda: raw(b"\x0a\x02\xc3\x28", timeout=timeout),
                    grpc.StatusCode.INVALID_ARGUMENT, f"{method} with bad bytes",
                    "could not be parsed")
    final = stub.ListClaimEvents(pb.ListClaimEventsRequest(parent="claims/-"),
                                 timeout=timeout)
    expect(final.events[-1].revision == 4, "bad bytes wrote nothing")
    channel.close()


def documented_service_config(design_path):
    """The service config of docs/DESIGN.md's C++ example (the raw string given
    to SetServiceConfigJSON), which the document says Python takes as is."""
    with open(design_path, encoding="utf-8") as design:
        text = design.read()
    opening = 'SetServiceConfigJSON(R"('
    start = text.find(opening)
    end = text.find(')")', start)
    expect(start >= 0 and end > start,
           f"{design_path} has no service config in its C++ example")
    config = text[start + len(opening):end]
    try:
        json.loads(config)
    except ValueError as error:
        raise Failed(f"the service config in {design_path} is not JSON: {error}")
    return config


def run_failover(binary, config, work):
    """DESIGN.md's Python line, grpc.insecure_channel(target,
    options=[("grpc.service_config", json)]), over two servers: the first is
    killed (kill -9) with calls in flight, and no call may fail, though this
    client never retries on its own (gRPC's policy sends them to the other)."""
    import grpc
    from claims.v1 import claims_pb2 as pb
    from claims.v1 import claims_pb2_grpc as pb_grpc

    servers = [harness.start_claimd(binary, os.path.join(work, f"server-{i}"),
                                    []) for i in range(2)]
    try:
        target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for _, port in servers)
        channel = grpc.insecure_channel(
            target, options=[("grpc.service_config", config)])
        stub = pb_grpc.ClaimServiceStub(channel)

        def create(i):
            request = pb.CreateClaimRequest(claim_id=f"failover-{i}",
                                            request_id=f"failover-{i}")
            request.claim.statement = "said while a server went away"
            return stub.CreateClaim.future(request, timeout=30)

        for i in range(20):
            create(i).result()
        calls = [create(i) for i in range(20, 80)]
        servers[0][0].proc.kill()
        calls += [create(i) for i in range(80, 140)]
        for i, call in enumerate(calls):
            try:
                call.result()
            except grpc.RpcError as error:
                raise Failed(f"call {20 + i} failed although the channel has "
                             f"DESIGN.md's retry policy: {error.code()} "
                             f"{error.details()!r}")
        channel.close()
    finally:
        for claimd, _ in servers:
            claimd.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claimd", required=True)
    parser.add_argument("--proto_root", required=True)
    parser.add_argument("--design", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        generate_stubs(args.proto_root, os.path.join(work, "stubs"))
        claimd, port = harness.start_claimd(
            args.claimd, os.path.join(work, "data"), [])
        try:
            run(port)
        except Failed as failure:
            print("FAILED:", failure)
            print("claimd's log:\n" + claimd.text())
            return 1
        finally:
            claimd.stop()
        try:
            run_failover(args.claimd, documented_service_config(args.design),
                         work)
        except Failed as failure:
            print("FAILED:", failure)
            return 1
    print("RESULT: every ClaimService method answered as the proto says, and "
          "DESIGN.md's failover config carried calls through a killed server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
