#!/usr/bin/env python3
"""The seed article's experiment, written from its description with the standard library only: N complex
numbers sent to a worker that returns them untouched, through a thread pool and through a process pool
(which pickles every item both ways). Prints one JSON line per pool: {"pool", "items", "seconds"}."""
import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def echo(values):
    return values


def measure(pool_class, items, workers):
    values = [complex(i * 0.5, -i * 0.25) for i in range(items)]
    chunk = (items + workers - 1) // workers
    shares = [values[i:i + chunk] for i in range(0, items, chunk)]
    with pool_class(max_workers=workers) as pool:
        list(pool.map(echo, [[0j]] * workers))  # start the workers outside the timing
        started = time.perf_counter()
        returned = list(pool.map(echo, shares))
        seconds = time.perf_counter() - started
    if sum(len(share) for share in returned) != items:
        raise SystemExit("items were lost")
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=15_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for name, pool_class in (("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)):
        seconds = measure(pool_class, args.count, args.workers)
        print(json.dumps({"pool": name, "items": args.count, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
