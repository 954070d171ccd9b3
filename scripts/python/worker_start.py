#!/usr/bin/env python3
"""How fast one processfarm-worker becomes ready, measured from outside with nothing else running: this script
plays a minimal coordinator (docs/PROTOCOL.md, sections 1-3) with the standard library only. Per round it starts
the worker with nothing to do (the bare start: the runtime starting and exiting), then starts it properly and
times spawn -> connect and spawn -> Hello, answers Welcome and Shutdown, and waits for it to exit.
Prints one JSON line: {"rounds", "bare_ms", "connect_ms", "hello_ms", "ratio"} (medians; ratio = hello / bare).

    python3 scripts/python/worker_start.py artifacts/publish/processfarm-worker [--rounds 15]
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
    return connection.recv(length, socket.MSG_WAITALL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("worker")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pf-start-") as directory:
        os.chmod(directory, 0o700)
        path = os.path.join(directory, "farm.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(4)
        bare, connect, hello = [], [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            subprocess.run([args.worker], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            bare.append((time.perf_counter() - started) * 1e3)

            started = time.perf_counter()
            worker = subprocess.Popen([args.worker, "--pipe", path, "--id", "0"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
            secret = os.urandom(32)
            worker.stdin.write((secret.hex() + "\n").encode())
            worker.stdin.close()
            connection, _ = listener.accept()
            connect.append((time.perf_counter() - started) * 1e3)
            # Protocol 3: Challenge [10, nonce] first; the Hello answers it.
            challenge = os.urandom(32)
            connection.sendall(struct.pack(">I", 36) + bytes([0x92, 0x0A, 0xC4, 0x20]) + challenge)
            body = read_frame(connection)
            hello.append((time.perf_counter() - started) * 1e3)
            # Hello is [1, 3, id, pid, proof, kernel, nonce]; its nonce is the last 32 bytes (bin 8 of 32 bytes).
            # Welcome [2, 3, HMAC-SHA256(secret, "processfarm welcome 3" || challenge || nonce)].
            proof = hmac.new(secret, b"processfarm welcome 3" + challenge + body[-32:], hashlib.sha256).digest()
            welcome = struct.pack(">I", 37) + bytes([0x93, 0x02, body[2], 0xC4, 0x20]) + proof
            connection.sendall(welcome + SHUTDOWN)
            if worker.wait(timeout=10) != 0:
                raise RuntimeError(f"the worker exited with {worker.returncode}")
            connection.close()
        result = {
            "rounds": args.rounds,
            "bare_ms": round(statistics.median(bare), 1),
            "connect_ms": round(statistics.median(connect), 1),
            "hello_ms": round(statistics.median(hello), 1),
        }
        result["ratio"] = round(result["hello_ms"] / result["bare_ms"], 2)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
