"""Worker processes with a wall-clock limit per job: a stuck or crashed worker costs one job.

`concurrent.futures.ProcessPoolExecutor` cannot do this: it cannot say which job a
dead worker held, it breaks every job in flight when one worker dies, and it has no
way to stop a job stuck in C code (OpenCV, zxing, pdfium, Tesseract), where no
Python-level time-out reaches. Here each worker runs one job at a time over its own
pipe, so the pool knows which job each worker holds and since when: a job past its
limit has its worker killed and replaced, and a worker that dies costs only the job
it held. The other jobs go on.

Workers ignore SIGINT and SIGTERM: Ctrl-C in a terminal (sent to the whole process
group) and systemd's stop (sent to the whole unit) reach the main process, which
decides whether to finish the page in hand; no worker prints a traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

# Seconds a worker gets to leave after being told to, at shutdown, before it is killed.
SHUTDOWN_GRACE_S = 2.0
# Longest sleep of the pool's thread when nothing happens (it wakes at once on news).
IDLE_WAKE_S = 1.0


class JobTimeout(Exception):
    """The job ran past its limit: its worker was killed and replaced."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"over {seconds:g} s")
        self.seconds = seconds


class WorkerDied(Exception):
    """The worker died while running the job (a crash, out of memory, a signal)."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class JobError(Exception):
    """The job raised something that could not be sent back as it was."""

    def __init__(self, kind: str, text: str = "") -> None:
        super().__init__(kind, text)
        self.kind = kind
        self.text = text


def _portable(error: BaseException) -> BaseException:
    """The error itself if it survives pickling, else a JobError naming its type."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return JobError(type(error).__name__, getattr(error, "strerror", None) or "")


def _worker_main(conn: Connection) -> None:
    """A worker: run jobs one at a time until told to stop (None) or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, argument = message
        try:
            reply: tuple[str, Any] = ("ok", function(argument))
        except BaseException as error:  # noqa: B036 - every failure goes back to the pool
            reply = ("error", _portable(error))
        try:
            conn.send(reply)
        except Exception as error:  # an unpicklable result
            conn.send(("error", JobError(type(error).__name__)))


def _died_how(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"stoppet af signal {signal.Signals(-code).name}"
        except ValueError:
            return f"stoppet af signal {-code}"
    return f"afsluttet med kode {code}"


def _start_forkserver_deaf_to_stop_signals() -> None:
    """Start the forkserver now, ignoring SIGTERM and SIGINT (main thread only).

    A stop sent to the whole process group (systemd's, Ctrl-C) otherwise kills the
    forkserver too; if that happens before the first worker is forked, starting the worker
    fails in the pool's thread and the file in hand waits for ever. An ignored signal stays
    ignored across the forkserver's exec (POSIX), and the workers it forks ignore both
    anyway, so only the main process decides how to stop.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver, resource_tracker

    # The tracker ignores both signals itself, but starting it unblocks them: started
    # first, so that nothing unblocks them while they are ignored (a stop would be lost).
    resource_tracker.ensure_running()
    stops = {signal.SIGTERM, signal.SIGINT}
    # Blocked first, so a stop arriving meanwhile waits (Linux keeps a blocked signal
    # pending even while ignored) and reaches the main process's own handler afterwards.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stops}
    try:
        forkserver.ensure_running()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@dataclass
class _Job:
    function: Callable[[Any], Any]
    argument: Any
    limit_s: float
    future: Future[Any]


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: _Job | None = None
    started: float = 0.0


class WorkerPool:
    """Runs `function(argument)` jobs in up to `workers` processes, each within its limit."""

    def __init__(self, workers: int, start_method: str = "forkserver") -> None:
        self.size = max(1, workers)
        # forkserver: workers start clean, whatever threads the parent runs
        self._context: Any = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            _start_forkserver_deaf_to_stop_signals()
        self._workers: list[_Worker] = []
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False
        self.replaced = 0  # workers killed or lost and started anew (for tests and logs)
        self._thread = threading.Thread(target=self._run, name="postbakke-pool", daemon=True)
        self._thread.start()

    # -- the caller's side ----------------------------------------------------------------

    def submit(self, function: Callable[[Any], Any], argument: Any, limit_s: float) -> Future[Any]:
        """A future of `function(argument)`; JobTimeout after `limit_s` of running, WorkerDied."""
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.append(_Job(function, argument, limit_s, future))
        self._wake()
        return future

    def run(self, function: Callable[[Any], Any], argument: Any, limit_s: float) -> Any:
        """`function(argument)` in a worker, waited for here."""
        return self.submit(function, argument, limit_s).result()

    def shutdown(self) -> None:
        """Stop the workers (a job in hand is abandoned); pending jobs are cancelled."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake()
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # -- the pool's thread ------------------------------------------------------------------

    def _start_worker(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child,), daemon=True,
                                        name="postbakke-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(SHUTDOWN_GRACE_S)
        worker.conn.close()
        self._workers.remove(worker)

    def _hand_out(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    return
                idle: _Worker | None = next((w for w in self._workers if w.job is None), None)
                if idle is None and len(self._workers) >= self.size:
                    return
                job = self._queue.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                worker: _Worker = idle or self._start_worker()
            except Exception as error:  # the forkserver gone (a signal): it restarts next time
                job.future.set_exception(WorkerDied(f"kunne ikke startes ({error})"))
                self.replaced += 1
                continue
            try:
                worker.conn.send((job.function, job.argument))
            except Exception as error:  # an unpicklable job, or a worker gone already
                job.future.set_exception(error if not isinstance(error, OSError)
                                         else WorkerDied(_died_how(worker.process)))
                if isinstance(error, OSError):
                    self._retire(worker, kill=True)
                    self.replaced += 1
                continue
            worker.job, worker.started = job, time.monotonic()

    def _finish(self, worker: _Worker) -> None:
        """The busy worker's pipe or process spoke: its result, or its death."""
        held = worker.job
        assert held is not None
        job: _Job = held
        try:
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker, kill=True)
            self.replaced += 1
            job.future.set_exception(WorkerDied(_died_how(worker.process)))
            return
        worker.job = None
        if status == "ok":
            job.future.set_result(value)
        else:
            job.future.set_exception(value)

    def _run(self) -> None:
        while True:
            with self._lock:
                closed = self._closed
            if closed:
                break
            self._hand_out()
            now = time.monotonic()
            busy = [w for w in self._workers if w.job is not None]
            for worker in busy:
                assert worker.job is not None
                if now - worker.started >= worker.job.limit_s:
                    late: _Job = worker.job
                    self._retire(worker, kill=True)
                    self.replaced += 1
                    late.future.set_exception(JobTimeout(late.limit_s))
            busy = [w for w in self._workers if w.job is not None]
            timeout = IDLE_WAKE_S
            for worker in busy:
                assert worker.job is not None
                timeout = min(timeout, max(0.0, worker.started + worker.job.limit_s - now))
            sources: dict[Any, _Worker] = {}
            for worker in busy:
                sources[worker.conn] = worker
                sources[worker.process.sentinel] = worker
            ready = wait([self._wake_r, *sources], timeout)
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            handled: set[int] = set()
            for item in ready:
                speaker = sources.get(item)
                if speaker is None or id(speaker) in handled or speaker not in self._workers:
                    continue
                handled.add(id(speaker))
                self._finish(speaker)
        self._stop_all()

    def _stop_all(self) -> None:
        with self._lock:
            queued = list(self._queue)
            self._queue.clear()
        for job in queued:
            job.future.cancel()
        for worker in list(self._workers):
            if worker.job is None:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        for worker in list(self._workers):
            worker.process.join(max(0.0, deadline - time.monotonic()))
            left = worker.job
            self._retire(worker, kill=True)
            if left is not None and not left.future.done():
                left.future.set_exception(WorkerDied("stoppet ved afslutning"))
