"""Raw HTTP/2 for the flood tests: frames written by hand (so a test can send
what no well-behaved client sends) and a reader thread that decodes what the
server answers, per stream.

Only python3 and Debian's python3-h2 (its hpack package) are needed.
"""

import contextlib
import select
import socket
import ssl
import struct
import threading

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0, 1, 3, 4, 6, 7, 8, 9)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY = 0x1, 0x1, 0x4, 0x8, 0x20

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
# A gRPC message frame holding an empty HealthCheckRequest (service "").
EMPTY_GRPC_MESSAGE = b"\x00\x00\x00\x00\x00"


def frame(kind, flags, stream_id, payload=b""):
    return (struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) +
            struct.pack(">I", stream_id & 0x7FFFFFFF) + payload)


def settings_frame(values=()):
    return frame(SETTINGS, 0, 0,
                 b"".join(struct.pack(">HI", k, v) for k, v in values))


def request_headers(path, tls):
    return [(":method", "POST"), (":scheme", "https" if tls else "http"),
            (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers")]


class Target:
    """Where to connect: host, port, TLS or not, and the source address."""

    def __init__(self, port, tls=False, host="127.0.0.1", source="127.0.0.1"):
        self.port, self.tls, self.host, self.source = port, tls, host, source

    def connect(self, timeout=10.0):
        sock = socket.create_connection((self.host, self.port), timeout=timeout,
                                        source_address=(self.source, 0))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(sock, server_hostname="localhost")
        return sock


class Connection:
    """One HTTP/2 connection with a reader thread.

    ack_settings=False never acknowledges the server's SETTINGS (the attack that
    gRPC 1.51 does not hold to SETTINGS_MAX_CONCURRENT_STREAMS). PINGs are
    answered either way, as every HTTP/2 stack does.
    """

    def __init__(self, target, ack_settings=True, settings=()):
        self.sock = target.connect()
        # An OpenSSL connection must not be read and written by two threads at
        # once (Python's ssl module then crashes): with TLS, every operation on
        # the socket holds write_lock, the reader waits in select() without it,
        # and a stalled peer makes an operation fail after 5 s rather than hold
        # the lock.
        self.tls = isinstance(self.sock, ssl.SSLSocket)
        self.sock.settimeout(5.0 if self.tls else None)
        self.ack_settings = ack_settings
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_allowed_table_size = 65536
        self.write_lock = threading.Lock()
        self.state_lock = threading.Lock()
        self.next_stream_id = 1
        self.closed = threading.Event()
        self.goaway = False
        # stream id -> {"headers": [...], "data": bytes count, "ended": bool,
        #               "reset": error code or None}
        self.streams = {}
        self._header_block = None  # (stream id, flags, bytes) while CONTINUATION
        self.send(PREFACE + settings_frame(settings))
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def send(self, data):
        with self.write_lock:
            self.sock.sendall(data)

    def new_stream_id(self):
        stream_id = self.next_stream_id
        self.next_stream_id += 2
        return stream_id

    def encode(self, headers):
        with self.write_lock:
            return self.encoder.encode(headers)

    def start_call(self, path, tls, message=EMPTY_GRPC_MESSAGE, headers=None):
        """Opens a stream: HEADERS (`headers`, or a gRPC request's for
        `path`), then one DATA frame that ends it. Returns the stream id."""
        stream_id = self.new_stream_id()
        with self.state_lock:
            self.streams[stream_id] = {"headers": [], "data": 0, "ended": False,
                                       "reset": None, "done": threading.Event(),
                                       "body": bytearray()}
        with self.write_lock:
            block = self.encoder.encode(headers or request_headers(path, tls))
            self.sock.sendall(
                frame(HEADERS, END_HEADERS, stream_id, block) +
                frame(DATA, END_STREAM, stream_id, message))
        return stream_id

    def close(self):
        self.closed.set()
        with self.write_lock if self.tls else contextlib.nullcontext():
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def counts(self):
        """(streams answered with data and still open, streams ended,
        streams reset) now. Once the connection is closed none is open."""
        with self.state_lock:
            open_ = 0 if self.closed.is_set() else sum(
                1 for s in self.streams.values()
                if s["data"] and not s["ended"] and s["reset"] is None)
            ended = sum(1 for s in self.streams.values() if s["ended"])
            reset = sum(1 for s in self.streams.values()
                        if s["reset"] is not None)
        return open_, ended, reset

    def wait_done(self, stream_id, timeout):
        """Waits for a stream to end (or be reset, or the connection to
        close); False on timeout."""
        with self.state_lock:
            stream = self.streams[stream_id]
        return stream["done"].wait(timeout)

    def wait_call(self, stream_id, timeout):
        """Waits for a call to end: True when it ended with grpc-status 0 after
        a response message."""
        with self.state_lock:
            stream = self.streams[stream_id]
        if not stream["done"].wait(timeout):
            return False
        with self.state_lock:
            del self.streams[stream_id]
            return (stream["ended"] and stream["data"] > 0 and
                    dict(stream["headers"]).get("grpc-status") == "0")

    def body(self, stream_id):
        """The response bytes received on a stream so far (the first 4 KiB)."""
        with self.state_lock:
            return bytes(self.streams[stream_id]["body"])

    def grpc_statuses(self):
        with self.state_lock:
            return [dict(s["headers"]).get("grpc-status")
                    for s in self.streams.values() if s["ended"]]

    def _recv(self, n):
        if not self.tls:
            return self.sock.recv(n)
        while True:
            with self.write_lock:
                if self.closed.is_set():
                    raise EOFError
                if self.sock.pending():  # already decrypted
                    return self.sock.recv(min(n, self.sock.pending()))
            readable, _, _ = select.select([self.sock], [], [], 0.2)
            if readable:
                with self.write_lock:
                    if self.closed.is_set():
                        raise EOFError
                    try:
                        return self.sock.recv(n)
                    except ssl.SSLWantReadError:
                        continue

    def _recv_exact(self, n):
        chunks = []
        while n:
            chunk = self._recv(n)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_loop(self):
        try:
            while not self.closed.is_set():
                head = self._recv_exact(9)
                length = struct.unpack(">I", b"\x00" + head[:3])[0]
                kind, flags = head[3], head[4]
                stream_id = struct.unpack(">I", head[5:9])[0] & 0x7FFFFFFF
                payload = self._recv_exact(length) if length else b""
                self._on_frame(kind, flags, stream_id, payload)
        except (EOFError, OSError, ValueError, ssl.SSLError, hpack.HPACKError):
            pass
        finally:
            self.closed.set()
            with self.state_lock:
                for stream in self.streams.values():
                    stream["done"].set()

    def _on_frame(self, kind, flags, stream_id, payload):
        if kind == SETTINGS and not flags & ACK and self.ack_settings:
            self.send(frame(SETTINGS, ACK, 0))
        elif kind == PING and not flags & ACK:
            self.send(frame(PING, ACK, 0, payload))
        elif kind == GOAWAY:
            self.goaway = True
        elif kind == DATA:
            if length := len(payload):
                # Keep the connection's and the stream's windows open.
                increment = struct.pack(">I", length)
                self.send(frame(WINDOW_UPDATE, 0, 0, increment) +
                          frame(WINDOW_UPDATE, 0, stream_id, increment))
            with self.state_lock:
                stream = self.streams.get(stream_id)
                if stream is not None:
                    stream["data"] += length
                    if len(stream["body"]) < 4096:  # enough for status messages
                        stream["body"] += payload
                    if flags & END_STREAM:
                        stream["ended"] = True
                        stream["done"].set()
        elif kind == RST_STREAM:
            with self.state_lock:
                stream = self.streams.get(stream_id)
                if stream is not None:
                    stream["reset"] = struct.unpack(">I", payload)[0]
                    stream["done"].set()
        elif kind in (HEADERS, CONTINUATION):
            if kind == HEADERS:
                if flags & PADDED:
                    payload = payload[1:len(payload) - payload[0]]
                if flags & PRIORITY:
                    payload = payload[5:]
                self._header_block = (stream_id, flags, payload)
            else:
                sid, first_flags, block = self._header_block
                self._header_block = (sid, first_flags | flags, block + payload)
            sid, all_flags, block = self._header_block
            if all_flags & END_HEADERS:
                self._header_block = None
                headers = self.decoder.decode(block)
                with self.state_lock:
                    stream = self.streams.get(sid)
                    if stream is not None:
                        stream["headers"].extend(headers)
                        if all_flags & END_STREAM:
                            stream["ended"] = True
                            stream["done"].set()
