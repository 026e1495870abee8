"""Fixed-load generators: `wrk` when installed, else Python threads with keep-alive connections.

Both keep `connections` requests in flight for `duration` seconds and report requests per
second, the 50th and 99th latency percentiles and how many answers were not 2xx/3xx.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def python_load(base: str, path: str, headers: dict, *, connections: int, duration: float) -> Result:
    """`connections` threads, each with one persistent HTTP/1.1 connection, for `duration` seconds."""
    address = urllib.parse.urlsplit(base)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_gate = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        mine, perf = latencies[index], time.perf_counter
        start_gate.wait()
        while True:
            began = perf()
            if began >= stop_at[0]:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                continue
            mine.append(perf() - began)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start_gate.wait()
    for thread in threads:
        thread.join(duration + 60)
    elapsed = time.perf_counter() - began
    merged = [value for part in latencies for value in part]
    return Result(
        rps=len(merged) / elapsed,
        p50_ms=percentile(merged, 0.50) * 1000,
        p99_ms=percentile(merged, 0.99) * 1000,
        requests=len(merged),
        errors=sum(errors),
    )


_WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_WRK_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_WRK_TOTAL = re.compile(r"^\s+(\d+) requests in", re.M)
_WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(base: str, path: str, headers: dict, *, connections: int, duration: float) -> Result:
    """Debian's wrk: one thread per two connections (at most as many as connections), --latency."""
    command = [
        shutil.which("wrk") or "wrk",
        "-c",
        str(connections),
        "-t",
        str(max(1, min(2, connections))),
        "-d",
        f"{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        command + [base + path], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    latency = {int(q): float(v) * _UNIT[unit] for q, v, unit in _WRK_LATENCY.findall(output)}
    socket_errors = _WRK_SOCKET.search(output)
    errors = int(_WRK_ERRORS.search(output).group(1)) if _WRK_ERRORS.search(output) else 0
    if socket_errors:
        # Reads that end because the sync worker closed the connection are normal; the rest are not.
        errors += int(socket_errors.group(1)) + int(socket_errors.group(3)) + int(socket_errors.group(4))
    return Result(
        rps=float(_WRK_RPS.search(output).group(1)),
        p50_ms=latency.get(50, float("nan")),
        p99_ms=latency.get(99, float("nan")),
        requests=int(_WRK_TOTAL.search(output).group(1)),
        errors=errors,
    )


def drain(base: str, path: str, *, connections: int) -> None:
    """Return once the requests a load run left queued at the server are answered.

    wrk stops at its deadline with a request outstanding on each connection, and the server still
    answers them: the next endpoint's first requests waited behind them (hello's p99 was 93-102 ms
    in the rounds, after the open month report, and 12-19 ms when measured alone). One request per
    connection, sent together, is answered only after those: a sync worker accepts connections in
    the order they arrived. (The Python generator waits for its last answers itself.)
    """
    address = urllib.parse.urlsplit(base)

    def probe() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.request("GET", path)
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass  # the load run's own error count has the server's failures
        finally:
            connection.close()

    probes = [threading.Thread(target=probe, daemon=True) for _ in range(connections)]
    for thread in probes:
        thread.start()
    for thread in probes:
        thread.join(60)


def generator(name: str):
    """`auto` (wrk if installed), `wrk` or `python`."""
    if name == "auto":
        name = "wrk" if shutil.which("wrk") else "python"
    return name, (wrk_load if name == "wrk" else python_load)
