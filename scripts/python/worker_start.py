#!/usr/bin/env python3
"""How fast one processfarm-worker becomes ready, measured from outside with nothing else running: this script
plays a minimal coordinator (docs/PROTOCOL.md, sections 1-3, protocol 3) with the standard library only. Per round
it starts the worker with nothing to do (the bare start: the runtime starting and exiting), then starts it properly
and times spawn -> connect and spawn -> Hello, checks the Hello's HMAC proof, answers Welcome (with its own proof)
and Shutdown, and waits for it to exit. With --tcp the worker connects to 127.0.0.1 over TCP (--connect
tcp://HOST:PORT, as a cluster node's workers do) instead of a Unix socket.
Prints one JSON line: {"rounds", "transport", "bare_ms", "connect_ms", "hello_ms", "ratio"} (medians; ratio =
hello / bare).

    python3 scripts/python/worker_start.py artifacts/publish/processfarm-worker [--rounds 15] [--tcp]
"""
import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import struct
import subprocess
import tempfile
import time

SHUTDOWN = struct.pack(">I", 2) + bytes([0x91, 0x06])  # [6]


def read_frame(connection):
    header = connection.recv(4, socket.MSG_WAITALL)
    if len(header) != 4:
        raise RuntimeError("the worker closed the socket before Hello")
    (length,) = struct.unpack(">I", header)
    body = connection.recv(length, socket.MSG_WAITALL)
    if len(body) != length:
        raise RuntimeError("the worker closed the socket in the middle of its Hello")
    return body


def unpack(data, at=0):
    """Decodes the one MessagePack value at data[at:] that a Hello can hold; returns (value, next offset)."""
    first = data[at]
    at += 1
    if first <= 0x7F:
        return first, at
    if 0x90 <= first <= 0x9F or first in (0xDC, 0xDD):
        if first <= 0x9F:
            count = first & 0x0F
        else:
            width = 2 if first == 0xDC else 4
            count = int.from_bytes(data[at:at + width], "big")
            at += width
        items = []
        for _ in range(count):
            item, at = unpack(data, at)
            items.append(item)
        return items, at
    widths = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}  # uint 8 .. uint 64
    if first in widths:
        return int.from_bytes(data[at:at + widths[first]], "big"), at + widths[first]
    if 0xA0 <= first <= 0xBF or first in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        if first <= 0xBF:
            length = first & 0x1F
        else:
            width = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}[first]
            length = int.from_bytes(data[at:at + width], "big")
            at += width
        raw = bytes(data[at:at + length])
        return (raw if first in (0xC4, 0xC5, 0xC6) else raw.decode()), at + length
    raise RuntimeError(f"unexpected MessagePack byte 0x{first:02x} in the Hello")


def check_hello(body, secret, challenge, pid):
    """The Hello [1, 3, worker_id, pid, proof, kernel, nonce] must prove the secret over the challenge; returns its nonce."""
    hello, end = unpack(body)
    if end != len(body) or not isinstance(hello, list) or len(hello) < 7 or hello[:4] != [1, 3, 0, pid]:
        raise RuntimeError(f"unexpected Hello {hello!r:.200}")
    proof, nonce = hello[4], hello[6]
    expected = hmac.new(secret, b"processfarm hello 3" + challenge + nonce + struct.pack(">Ii", 0, pid), hashlib.sha256).digest()
    if len(nonce) != 32 or not hmac.compare_digest(proof, expected):
        raise RuntimeError("the Hello does not prove the secret over the challenge")
    return nonce


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("worker")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--tcp", action="store_true", help="connect over TCP on 127.0.0.1 instead of a Unix socket")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pf-start-") as directory:
        os.chmod(directory, 0o700)
        if args.tcp:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            endpoint = ["--connect", "tcp://127.0.0.1:%d" % listener.getsockname()[1]]
        else:
            path = os.path.join(directory, "farm.sock")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            endpoint = ["--pipe", path]
        listener.listen(4)
        listener.settimeout(20)  # every wait has a deadline: a worker that never connects fails the run
        bare, connect, hello = [], [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            subprocess.run([args.worker], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            bare.append((time.perf_counter() - started) * 1e3)

            started = time.perf_counter()
            worker = subprocess.Popen([args.worker, *endpoint, "--id", "0", "--parent", str(os.getpid())], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
            secret = os.urandom(32)
            worker.stdin.write((secret.hex() + "\n").encode())
            worker.stdin.close()
            connection, _ = listener.accept()
            connection.settimeout(20)
            if args.tcp:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connect.append((time.perf_counter() - started) * 1e3)
            # Protocol 3: Challenge [10, challenge] first (bin 8 of 32 bytes); the Hello answers it.
            challenge = os.urandom(32)
            connection.sendall(struct.pack(">I", 36) + bytes([0x92, 0x0A, 0xC4, 0x20]) + challenge)
            body = read_frame(connection)
            hello.append((time.perf_counter() - started) * 1e3)
            nonce = check_hello(body, secret, challenge, worker.pid)
            # Welcome [2, 3, HMAC-SHA256(secret, "processfarm welcome 3" || challenge || nonce)].
            proof = hmac.new(secret, b"processfarm welcome 3" + challenge + nonce, hashlib.sha256).digest()
            welcome = struct.pack(">I", 37) + bytes([0x93, 0x02, 0x03, 0xC4, 0x20]) + proof
            connection.sendall(welcome + SHUTDOWN)
            if worker.wait(timeout=10) != 0:
                raise RuntimeError(f"the worker exited with {worker.returncode}")
            connection.close()
        result = {
            "rounds": args.rounds,
            "transport": "tcp" if args.tcp else "unix",
            "bare_ms": round(statistics.median(bare), 1),
            "connect_ms": round(statistics.median(connect), 1),
            "hello_ms": round(statistics.median(hello), 1),
        }
        result["ratio"] = round(result["hello_ms"] / result["bare_ms"], 2)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
