"""Public submission: complaint reports posted to a real server on localhost (bench/server.py,
served as run.py serves it: gunicorn with LIGAT_WORKERS processes on PostgreSQL, one waitress
process on SQLite), in two ways:

- closed loop (the earlier figure, kept for comparison): `clients` threads posting back to back,
  each waiting for its answer before the next post, so the server's slowness slows the arrivals;
- open loop: posts arrive at a fixed rate whatever the answers do (asyncio, a minimal HTTP/1.1
  client, a new connection whenever none is idle), and each latency is measured from the post's
  SCHEDULED send time, so a stalled server or a late generator counts against the figure
  (no coordinated omission). First `open_rate` posts/s for `open_seconds`, then a ramp from
  `ramp_from` by `ramp_step` posts/s (`ramp_seconds` each) until a rate is not held (p95 above
  200 ms or a post not answered 201): the highest rate held is the figure. Each of these phases (the
  fixed rate, every ramp step) starts from an idle server: the run waits until the photo queue is
  drained and the machine's CPU is quiet (at most `settle_seconds`), and prints how long it waited.

A share of the posts (`photo_share`) carries a phone photo (JPEG with EXIF/GPS). While the load
runs, the scheduler's photo job runs as it would in production (bench/server.py cleaner, its own
process), and every server process's resident memory (RSS) is sampled with psutil.

Each post does what the portal's script does: CSRF token from GET /lapor/token (with its session
cookie), POST /lapor with the form fields, a fresh `client_id` and `Accept: application/json`
(answer 201 with the ticket). Rate limits on public posts are raised for the main figures (see
bench/server.py); a short last run with the shipped limits shows what one address sending that
much gets (429s).

    python -m bench.submission [tiny|small|large]
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any, NamedTuple
from urllib.parse import urlencode

from .common import (
    RESULTS_JSON,
    ROOT,
    Check,
    DatabaseCpu,
    Result,
    Target,
    latency,
    make_target,
    parser,
    percentile,
    post_back_to_back,
    prepare,
    report,
    size_params,
)

SIZES = {
    "tiny": {"clients": 5, "seconds": 2.0, "max_requests": 30, "open_rate": 20, "open_seconds": 2.0,
             "ramp_from": 20, "ramp_step": 20, "ramp_to": 40, "ramp_seconds": 1.0, "photo_share": 0.2,
             "workers": 2, "shipped_seconds": 0.0, "settle_seconds": 5.0},
    "small": {"clients": 50, "seconds": 5.0, "max_requests": 5_000, "open_rate": 100, "open_seconds": 10.0,
              "ramp_from": 25, "ramp_step": 25, "ramp_to": 400, "ramp_seconds": 5.0, "photo_share": 0.1,
              "workers": 0, "shipped_seconds": 3.0, "settle_seconds": 120.0},
    "large": {"clients": 50, "seconds": 20.0, "max_requests": 100_000, "open_rate": 100, "open_seconds": 60.0,
              "ramp_from": 25, "ramp_step": 25, "ramp_to": 400, "ramp_seconds": 15.0, "photo_share": 0.1,
              "workers": 0, "shipped_seconds": 5.0, "settle_seconds": 180.0},
}
VILLAGE = "91.71.01.1001"
HELD_P95_MS = 200
MAX_CONNECTIONS = 400  # open connections at most; a post that finds none free waits, and that wait counts
FIELDS = {"kategori": "pengemis", "kode_wilayah": VILLAGE, "lokasi": "Simpang Entrop",
          "deskripsi": "Anak-anak mengemis di lampu merah setiap sore.", "anonim": "true"}


def free_port() -> int:
    """LIGAT_BENCH_SERVER_PORT when set (a machine shared with other work gives each its own ports),
    else any free port."""
    if os.environ.get("LIGAT_BENCH_SERVER_PORT"):
        return int(os.environ["LIGAT_BENCH_SERVER_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """bench/server.py in a child process (and its gunicorn workers); stopped by its own pid on exit.
    `workers` > 0 sets LIGAT_WORKERS for it; 0 keeps run.py's default."""

    def __init__(self, target: Target, limits: str = "raised", workers: int = 0):
        self.port = free_port()
        env = target.env() | {"LIGAT_BENCH_PORT": str(self.port), "LIGAT_BENCH_LIMITS": limits,
                              "LIGAT_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
        if workers:
            env["LIGAT_WORKERS"] = str(workers)
        self.log = open(target.workdir / f"server-{limits}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.server"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/lapor/token")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not answer in 120 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Cleaner:
    """The scheduler's photo job (bench/server.py cleaner) in its own process while the load runs."""

    def __init__(self, target: Target):
        env = target.env() | {"LIGAT_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
        self.log = open(target.workdir / "cleaner.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.server", "cleaner"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class RssSampler(threading.Thread):
    """Largest resident set seen per process of each watched tree, every 0.2 s (psutil), and the CPU
    time each tree used while watched (so a report's CPU cost shows apart from the machine's load)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.roots: dict[str, int] = {}
        self.peak: dict[tuple[str, int], int] = {}
        self.leaf: dict[tuple[str, int], bool] = {}
        self.cpu: dict[tuple[str, int], tuple[float, float]] = {}  # first and last user+system seconds
        self.halt = threading.Event()

    def watch(self, name: str, pid: int) -> None:
        self.roots[name] = pid

    def sample(self) -> None:
        import psutil

        for name, pid in list(self.roots.items()):
            try:
                root = psutil.Process(pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for proc in tree:
                try:
                    rss, leaf = proc.memory_info().rss, not proc.children()
                    times = proc.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                key = (name, proc.pid)
                self.peak[key] = max(self.peak.get(key, 0), rss)
                self.leaf[key] = leaf
                used = times.user + times.system
                self.cpu[key] = (self.cpu.get(key, (used, used))[0], used)

    def run(self) -> None:
        while not self.halt.wait(0.2):
            self.sample()

    def figures(self) -> dict[str, Any]:
        """Per tree: the largest RSS of one serving process (the leaves: gunicorn's workers, or the one
        waitress process) and of the parent, in MB."""
        out: dict[str, Any] = {}
        for name in self.roots:
            leaves = [rss for (tree, pid), rss in self.peak.items() if tree == name and self.leaf[(tree, pid)]]
            parents = [rss for (tree, pid), rss in self.peak.items() if tree == name and not self.leaf[(tree, pid)]]
            cpu = sum(last - first for (tree, _pid), (first, last) in self.cpu.items() if tree == name)
            out[name] = {"processes": len(leaves), "max_rss_mb": round(max(leaves, default=0) / 2**20, 1),
                         "parent_rss_mb": round(max(parents, default=0) / 2**20, 1), "cpu_s": round(cpu, 2)}
        return out


def phone_photo() -> bytes:
    """A 1600×1200 JPEG (about what a messaging app sends) with a camera make and GPS in its EXIF."""
    from PIL import ExifTags, Image

    gradient = Image.linear_gradient("L").resize((1600, 1200))
    grain = Image.effect_noise((1600, 1200), 12)
    image = Image.merge("RGB", (gradient, grain, gradient.rotate(180)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraBench"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "S", (2.0, 31.0, 1.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def session_token(port: int) -> tuple[str, str]:
    """(CSRF token, session cookie) as the portal's script gets them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/lapor/token")
    response = conn.getresponse()
    token = json.loads(response.read())["csrf_token"]
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    conn.close()
    return token, cookie


# -- closed loop ----------------------------------------------------------------
def client(port: int, stop_at: float, budget: Any, out: list, lock: threading.Lock) -> None:
    token, cookie = session_token(port)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "Cookie": cookie}

    def report() -> tuple[str, dict[str, str]]:
        return urlencode(FIELDS | {"csrf_token": token, "client_id": uuid.uuid4().hex}), headers

    post_back_to_back(port, "/lapor", report, stop_at, budget, out, lock)


def load(port: int, clients: int, seconds: float, max_requests: int) -> dict[str, Any]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    threads = [threading.Thread(target=client, args=(port, stop_at, budget, results, lock)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    ok = [ms for status, ms in results if status == 201]
    return {"seconds": round(elapsed, 2), "requests": len(results), "statuses": dict(statuses),
            "created": len(ok), "requests_per_s": round(len(results) / elapsed, 1),
            "created_per_s": round(len(ok) / elapsed, 1), "all": latency([ms for _, ms in results]),
            "created_latency": latency(ok)}


# -- open loop ------------------------------------------------------------------
class Posts:
    """Request bytes built once: a post differs from the next only by its client_id."""

    def __init__(self, port: int, token: str, cookie: str, photo: bytes, photo_share: float):
        self.port, self.token, self.cookie, self.photo, self.share = port, token, cookie, photo, photo_share

    def with_photo(self, index: int) -> bool:
        """Spread evenly: post i carries a photo when the running share crosses a whole number."""
        return int((index + 1) * self.share) > int(index * self.share)

    def build(self, index: int) -> bytes:
        fields = FIELDS | {"csrf_token": self.token, "client_id": uuid.uuid4().hex}
        if self.with_photo(index):
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="foto"; filename="IMG_0001.jpg"'
                         f"\r\nContent-Type: image/jpeg\r\n\r\n".encode() + self.photo + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body, kind = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        head = (f"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nAccept: application/json\r\nCookie: {self.cookie}\r\n\r\n")
        return head.encode() + body


class NoAnswer(Exception):
    """The connection closed before the status line."""


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """One request, one response (Content-Length bodies); returns (status, connection closed)."""
    writer.write(request)
    await writer.drain()
    first = await reader.readline()
    if not first:
        raise NoAnswer
    status = int(first.split()[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


class Answer(NamedTuple):
    status: int  # 0: no answer
    ms: float  # from the post's due time to its answer
    photo: bool
    resent: bool  # sent again on a new connection: the reused one closed before any answer


async def _open_loop(posts: Posts, rate: float, seconds: float) -> list[Answer]:
    from app.server import KEEP_ALIVE_SECONDS

    # An idle connection is reused only well inside the server's keep-alive: past it the server closes
    # it, and a post written as it does so gets no answer at all.
    reuse_idle_s = KEEP_ALIVE_SECONDS - 1
    loop = asyncio.get_running_loop()
    idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []  # (idle since, reader, writer)
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    results: list[Answer] = []

    def reusable() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        while idle:
            since, reader, writer = idle.pop()
            if loop.time() - since < reuse_idle_s:
                return reader, writer
            writer.close()
        return None

    async def one(index: int, due: float) -> None:
        request = posts.build(index)
        async with slots:
            conn, resent = reusable(), False
            try:
                if conn is not None:
                    try:
                        status, close = await asyncio.wait_for(exchange(*conn, request), 60)
                    except (NoAnswer, ConnectionResetError, BrokenPipeError):
                        # The server closed the reused connection before reading the post; browsers send
                        # it again too. The same bytes, so the same client_id: never a second case.
                        conn[1].close()
                        conn, resent = None, True
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", posts.port)
                    status, close = await asyncio.wait_for(exchange(*conn, request), 60)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, NoAnswer):
                status, close = 0, True
            results.append(Answer(status, (loop.time() - due) * 1000, posts.with_photo(index), resent))
            if conn is not None:
                if close:
                    conn[1].close()
                else:
                    idle.append((loop.time(), *conn))

    start = loop.time() + 0.05
    tasks = []
    for index in range(int(rate * seconds)):
        due = start + index / rate  # the schedule never looks at the answers
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    for _since, _reader, writer in idle:
        writer.close()
    return results


def _resent(run: dict[str, Any]) -> str:
    return (f" ({run['resent']} sent again on a new connection: the server had closed the idle one)"
            if run.get("resent") else "")


def open_loop(posts: Posts, rate: float, seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    results = asyncio.run(_open_loop(posts, rate, seconds))
    elapsed = time.perf_counter() - started
    statuses = Counter(answer.status for answer in results)
    every = [answer.ms for answer in results]
    p95 = percentile(every, 95)
    return {"rate": rate, "seconds": seconds, "posts": len(results), "statuses": dict(statuses),
            "created": statuses.get(201, 0), "with_photo": sum(1 for answer in results if answer.photo),
            "resent": sum(1 for answer in results if answer.resent),
            "elapsed_s": round(elapsed, 2), "latency": latency(every) | {"p99_ms": round(percentile(every, 99), 2)},
            "photo_latency": latency([answer.ms for answer in results if answer.photo]),
            "held": statuses.get(201, 0) == len(results) and p95 <= HELD_P95_MS}


def ramp(posts: Posts, start: int, step: int, stop: int, seconds: float,
         before_step: Any = lambda rate: None) -> dict[str, Any]:
    """Rates from `start` up by `step` until one is not held (or `stop`); the highest held is the figure.
    `before_step(rate)` runs before each step (the run waits there for an idle server)."""
    steps, highest = [], 0
    for rate in range(start, stop + 1, step):
        before_step(rate)
        run = open_loop(posts, rate, seconds)
        steps.append(run)
        if not run["held"]:
            break
        highest = rate
    return {"steps": steps, "highest_held": highest, "ceiling": stop}


# -- the run --------------------------------------------------------------------
IDLE_CPU_PERCENT = 25.0  # the machine's CPU busy (all cores) below which a phase may start
IDLE_WINDOWS = 2  # consecutive one-second windows that must be under it


def settle(engine: Any, limit_s: float) -> dict[str, Any]:
    """Wait (at most `limit_s`) until the photo queue is drained and the machine is idle, so a phase
    does not pay for the one before it: the last phase's photos still being re-encoded, the server's
    and PostgreSQL's leftovers. Idle: the CPU of all cores under IDLE_CPU_PERCENT for IDLE_WINDOWS
    seconds in a row (the one-minute load average decays too slowly to wait on; it is reported)."""
    import psutil

    started = time.perf_counter()
    deadline = started + limit_s
    calm, busy = 0, 100.0
    while time.perf_counter() < deadline:
        if _counts(engine)["photos_waiting"]:
            calm = 0
            time.sleep(0.5)
            continue
        busy = psutil.cpu_percent(interval=1.0)
        calm = calm + 1 if busy < IDLE_CPU_PERCENT else 0
        if calm >= IDLE_WINDOWS:
            break
    waited = time.perf_counter() - started
    idle = calm >= IDLE_WINDOWS
    return {"waited_s": round(waited, 1), "idle": idle, "cpu_percent": busy,
            "photos_waiting": _counts(engine)["photos_waiting"], "load_average_1m": round(os.getloadavg()[0], 2)}


def settled(engine: Any, limit_s: float, phase: str, log: list[dict[str, Any]]) -> None:
    """settle() before a phase, printed as it happens and kept for the record."""
    cpu = time.process_time()
    state = settle(engine, limit_s) | {"phase": phase}
    state["own_cpu_s"] = time.process_time() - cpu  # not the load generator's: taken off its CPU figure
    log.append(state)
    print(f"  [{phase}] started after {state['waited_s']} s of waiting: "
          + ("idle" if state["idle"] else f"NOT idle after {limit_s:g} s")
          + f" (CPU {state['cpu_percent']} %, photos waiting {state['photos_waiting']}, "
            f"load average {state['load_average_1m']})", flush=True)


def _counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.portal.models import MediaJob, PortalMedia
    from workflows.db import Case

    with Session(engine) as session:
        return {"cases": session.scalar(select(func.count()).select_from(Case)),
                "photos": session.scalar(select(func.count()).select_from(PortalMedia)),
                "photos_waiting": session.scalar(select(func.count()).select_from(MediaJob))}


def run(target: Target, app: Any, params: dict[str, Any]) -> dict[str, Any]:
    from .common import app_engine

    engine = app_engine(app)
    engine.dispose()
    figures: dict[str, Any] = {"settle": []}
    sampler = RssSampler()
    with Server(target, "raised", params["workers"]) as server:
        sampler.watch("server", server.proc.pid)
        load(server.port, min(5, params["clients"]), 1.0, 20)  # warm-up: imports, caches, pool in each worker
        before = _counts(engine)
        figures["raised"] = load(server.port, params["clients"], params["seconds"], params["max_requests"])
        figures["raised"]["cases_in_db"] = _counts(engine)["cases"] - before["cases"]
        token, cookie = session_token(server.port)
        posts = Posts(server.port, token, cookie, phone_photo(), params["photo_share"])
        figures["photo_bytes"] = len(posts.photo)
        cleaner = Cleaner(target) if params["photo_share"] else None
        if cleaner:
            sampler.watch("cleaner", cleaner.proc.pid)
        sampler.sample()  # the CPU counters' starting point
        sampler.start()
        database_cpu = DatabaseCpu(engine)
        generator_cpu = time.process_time()
        try:
            before = _counts(engine)
            # Each phase from an idle server: the closed loop's (and each step's) leftovers settle first.
            settled(engine, params["settle_seconds"], "open loop", figures["settle"])
            figures["open"] = open_loop(posts, params["open_rate"], params["open_seconds"])
            figures["open"]["cases_in_db"] = _counts(engine)["cases"] - before["cases"]
            figures["ramp"] = ramp(posts, params["ramp_from"], params["ramp_step"], params["ramp_to"],
                                   params["ramp_seconds"], lambda rate: settled(
                                       engine, params["settle_seconds"], f"ramp {rate}/s", figures["settle"]))
            after = _counts(engine)
            generator_cpu = time.process_time() - generator_cpu - sum(w["own_cpu_s"] for w in figures["settle"])
            sampler.sample()  # the CPU used up to the last answer
            database_seconds = database_cpu.seconds()
            if cleaner:  # a short while for the photo job to catch up: the queue drains, nothing is lost
                deadline = time.time() + 30
                while _counts(engine)["photos_waiting"] and time.time() < deadline:
                    time.sleep(1)
        finally:
            sampler.halt.set()
            sampler.join()
            if cleaner:
                cleaner.stop()
        end = _counts(engine)
        figures["photos"] = {"sent": end["photos"] - before["photos"], "waiting_at_load_end": after["photos_waiting"],
                             "waiting_30s_later": end["photos_waiting"]}
        figures["memory"] = sampler.figures()
        reports = after["cases"] - before["cases"]
        figures["cpu_ms_per_report"] = {
            "server": round(figures["memory"]["server"]["cpu_s"] * 1000 / max(reports, 1), 2),
            "load_generator": round(generator_cpu * 1000 / max(reports, 1), 2), "reports": reports,
            "database": None if database_seconds is None else round(database_seconds * 1000 / max(reports, 1), 2)}
    if params["shipped_seconds"]:
        with Server(target, "shipped", params["workers"]) as server:
            figures["shipped"] = load(server.port, params["clients"], params["shipped_seconds"],
                                      params["max_requests"])
    return figures


def previous_lines(database: str, size: str, keep: int = 3) -> list[str]:
    """The last recorded run's main figures, and the history it carried, so a regression shows in
    RESULTS.md (which keeps only the latest run of each benchmark, database and size)."""
    if not RESULTS_JSON.exists():
        return []
    for old in json.loads(RESULTS_JSON.read_text()):
        if (old["benchmark"], old["database"], old["size"]) == ("submission", database, size):
            figures = old["figures"]
            if "open" in figures:
                line = (f"previous run ({old['date']}): open loop {figures['open']['rate']}/s p95 "
                        f"{figures['open']['latency']['p95_ms']} ms; highest rate held "
                        f"{figures['ramp']['highest_held']}/s; max RSS per process "
                        f"{figures['memory']['server']['max_rss_mb']} MB")
            else:
                closed = figures["raised"]
                line = (f"previous run ({old['date']}): closed loop only, {closed['created_per_s']} reports/s, "
                        f"p95 {closed['created_latency']['p95_ms']} ms")
            carried = [text for text in old["lines"] if text.startswith("previous run (")]
            return [line, *carried][:keep]
    return []


def summarize(figures: dict[str, Any], database: str, server: str) -> tuple[list[str], list[Check]]:
    r, o, ramped, memory = figures["raised"], figures["open"], figures["ramp"], figures["memory"]
    cpu = figures["cpu_ms_per_report"]
    lat = r["created_latency"]
    steps = "; ".join(f"{s['rate']}/s p95 {s['latency']['p95_ms']} ms{'' if s['held'] else ' (not held)'}{_resent(s)}"
                      for s in ramped["steps"])
    highest = ramped["highest_held"]
    server_mem = memory["server"]
    lines = [
        f"server: {server}",
        f"closed loop, {r['requests']:,} posts in {r['seconds']} s by {figures['clients']} "
        f"concurrent clients posting back to back: {r['created_per_s']} reports created/s; p50 {lat['p50_ms']} ms, "
        f"p95 {lat['p95_ms']} ms; answers {r['statuses']}; {r['cases_in_db']:,} new cases in the database",
        f"open loop, {o['rate']} posts/s for {o['seconds']} s ({o['with_photo']} of {o['posts']} with a "
        f"{figures['photo_bytes'] // 1024} KB photo), latency from the scheduled send time: p50 "
        f"{o['latency']['p50_ms']} ms, p95 {o['latency']['p95_ms']} ms, p99 {o['latency']['p99_ms']} ms "
        f"(posts with a photo: p95 {o['photo_latency']['p95_ms']} ms); answers {o['statuses']}"
        f"{_resent(o)}; {o['cases_in_db']:,} new cases",
        f"ramp ({ramped['steps'][0]['seconds']} s a step, held = every post 201 and p95 ≤ {HELD_P95_MS} ms): {steps}; "
        f"highest rate held {highest}/s" + (" (the ramp's ceiling)" if highest >= ramped["ceiling"] else ""),
        f"memory under this load: largest RSS of one server process {server_mem['max_rss_mb']} MB "
        f"({server_mem['processes']} serving process(es); parent {server_mem['parent_rss_mb']} MB)"
        + (f"; photo job process {memory['cleaner']['max_rss_mb']} MB" if "cleaner" in memory else ""),
        f"CPU per report (user+system time of the processes, not wall time): server {cpu['server']} ms, "
        f"load generator {cpu['load_generator']} ms, "
        + ("database not counted" if cpu.get("database") is None else f"the database's backends {cpu['database']} ms")
        + f", over {cpu['reports']:,} open-loop reports",
        f"photos: {figures['photos']['sent']} sent, {figures['photos']['waiting_at_load_end']} waiting for "
        f"re-encoding when the load stopped, {figures['photos']['waiting_30s_later']} at most 30 s later",
    ]
    if figures.get("settle"):
        waits = "; ".join(f"{w['phase']} {w['waited_s']} s" + ("" if w["idle"] else " (not idle)")
                          for w in figures["settle"])
        lines.append(f"each phase started from an idle server (photo queue drained, CPU of all cores under "
                     f"{IDLE_CPU_PERCENT:g} % for {IDLE_WINDOWS} s); waited: {waits}")
    if "shipped" in figures:
        s = figures["shipped"]
        lines.append(f"with the shipped limits, all clients on one address: answers {s['statuses']} in "
                     f"{s['seconds']} s (p95 of all answers {s['all']['p95_ms']} ms)")
    biggest = max(m["max_rss_mb"] for m in memory.values())
    checks = [Check(f"open-loop p95 at {o['rate']}/s", o["latency"]["p95_ms"], 100, False, " ms"),
              Check(f"highest rate held (p95 ≤ {HELD_P95_MS} ms)", highest, 200, True, "/s"),
              Check("largest RSS of one process", biggest, 400, False, " MB")]
    return lines, checks


def server_label(target: Target, workers: int) -> str:
    from app.server import thread_count, uses_workers, worker_count

    if workers:
        os.environ["LIGAT_WORKERS"] = str(workers)
    count = worker_count()
    if uses_workers(target.url, count):
        return f"gunicorn, {count} worker processes × {thread_count()} threads"
    return f"waitress, 1 process × {thread_count()} threads"


def main(argv: list[str] | None = None) -> Result:
    args = parser(__doc__.splitlines()[0], SIZES).parse_args(argv)
    params = size_params(args, SIZES)
    target = make_target(args, "submission")
    app = prepare(target)
    figures = run(target, app, params)
    figures["clients"] = params["clients"]
    lines, checks = summarize(figures, target.dialect, server_label(target, params["workers"]))
    lines += previous_lines(target.dialect, args.size)
    result = Result("submission", target.dialect, args.size, params, figures, lines, checks)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
