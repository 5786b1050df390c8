"""The bridge between lathe and a Ray cluster: ``python -m lathe_worker.ray_bridge --address A``.

lathe starts it once per suite (crates/lathe-worker/src/ray.rs) and speaks JSON lines with it
(docs/design/ray.md). It connects to the cluster, ships this package to the nodes through Ray's
runtime environment (nothing is installed there by hand but torch, triton and ray), holds one
long-lived actor per GPU of the cluster (ray_node.JudgeSlot, ``num_gpus=1``), and sends each
evaluation lathe asks for to a free one. An actor or node lost mid-evaluation is an outcome,
not a crash: the evaluation goes to another actor, at most ``--retries`` more times, and the
lost actor is replaced when the cluster still has a GPU for it.

Lines in (standard input):  {"op": "eval", "id": N, ...message for ray_node.judge_here}
Lines out (standard output): {"event": "ready", "slots": [...]} once, then per evaluation
{"event": "done", "id": N, ...what judge_here returned, "node": {...}, "attempts": k,
"lost": [...]}, or {"event": "failed", "id": N, "kind": ..., "message": ...}. A bridge that
cannot start says {"event": "error", "kind": "unreachable" | "no_ray" | "no_gpus", ...} and exits
with code 3. End of standard input ends the bridge and its actors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import lathe_worker

# How long a cluster's address may take to accept a connection.
CONNECT_S = 10.0
# How long a new actor may take to start (its node unpacks this package, starts a worker
# process) before the bridge gives up on it.
ACTOR_START_S = 180.0
# How much longer the other actors may take once the first is up.
ACTOR_GRACE_S = 30.0
# An evaluation's actor is given up on this long after the evaluation's own wall limit and
# grace: the actor enforces those itself, so only a node cut off without Ray noticing gets here.
SILENCE_S = 120.0


class Output:
    """The one writer of standard output: lines from several evaluation threads never mix.
    Everything else that writes to file descriptor 1 (Ray's own messages) goes to stderr."""

    def __init__(self) -> None:
        self.stream: TextIO = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.lock = threading.Lock()

    def __call__(self, line: dict[str, Any]) -> None:
        with self.lock:
            self.stream.write(json.dumps(line) + "\n")
            self.stream.flush()


class Slots:
    """The live actors, free or busy, and the replacements being started."""

    def __init__(self, ray: Any, actor_class: Any) -> None:
        self.ray = ray
        self.actor_class = actor_class
        self.free: list[tuple[Any, dict[str, Any]]] = []
        self.live = 0
        self.starting = 0
        self.changed = threading.Condition()

    def start(self, count: int) -> list[dict[str, Any]]:
        """Starts `count` actors; where each that started landed. The cluster's resources can
        still list the GPU of a node lost a moment ago, whose actor never starts: once one
        actor is up, the others get ACTOR_GRACE_S more, and those still not up are given up
        (the suite runs on fewer GPUs). None up within ACTOR_START_S raises."""
        actors = [self.actor_class.remote() for _ in range(count)]
        where = {a.where.remote(): a for a in actors}
        first, _ = self.ray.wait(list(where), num_returns=1, timeout=ACTOR_START_S)
        if not first:
            raise TimeoutError(f"none of {count} actors started within {ACTOR_START_S:.0f} s")
        ready, late = self.ray.wait(list(where), num_returns=count, timeout=ACTOR_GRACE_S)
        for ref in late:
            self.ray.kill(where[ref])
        started = [where[ref] for ref in ready]
        places = self.ray.get(ready)
        with self.changed:
            self.free = list(zip(started, places, strict=True))
            self.live = len(started)
        return places

    def take(self) -> tuple[Any, dict[str, Any]] | None:
        """A free actor, waiting for one; None once none is left or coming."""
        with self.changed:
            while not self.free:
                if self.live == 0 and self.starting == 0:
                    return None
                self.changed.wait()
            return self.free.pop(0)

    def give_back(self, slot: tuple[Any, dict[str, Any]]) -> None:
        with self.changed:
            self.free.append(slot)
            self.changed.notify()

    def lose(self, actor: Any) -> None:
        """An actor that died (or its node): gone for good; a new one is started in its place,
        and joins when the cluster has a GPU for it."""
        # An actor already gone cannot be killed twice.
        with contextlib.suppress(Exception):
            self.ray.kill(actor, no_restart=True)
        with self.changed:
            self.live -= 1
            self.starting += 1
        threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        actor = self.actor_class.remote()
        try:
            place = self.ray.get(actor.where.remote(), timeout=ACTOR_START_S)
        except Exception:
            # No GPU came free in time: the pool stays smaller.
            place = None
            with contextlib.suppress(Exception):
                self.ray.kill(actor, no_restart=True)
        with self.changed:
            self.starting -= 1
            if place is not None:
                self.live += 1
                self.free.append((actor, place))
            self.changed.notify_all()


def evaluate(ray: Any, slots: Slots, message: dict[str, Any], retries: int, out: Output) -> None:
    """One evaluation, retried on another actor when its actor or node is lost."""
    lost: list[dict[str, Any]] = []
    limits = message["limits"]
    patience = float(limits["wall_s"]) + float(limits["grace_s"]) + SILENCE_S
    while True:
        slot = slots.take()
        if slot is None:
            out(
                {
                    "event": "failed",
                    "id": message["id"],
                    "kind": "no_slots",
                    "message": "no GPU of the cluster is left to judge on",
                    "lost": lost,
                }
            )
            return
        actor, place = slot
        try:
            done = ray.get(actor.evaluate.remote(message), timeout=patience)
        except ray.exceptions.RayTaskError as e:
            # The evaluation itself raised on the node: a defect of ray_node, not of the node.
            slots.give_back(slot)
            out({"event": "failed", "id": message["id"], "kind": "worker", "message": str(e)})
            return
        except (ray.exceptions.RayError, TimeoutError) as e:
            slots.lose(actor)
            lost.append({"node": place, "error": type(e).__name__, "message": str(e)[:2000]})
            if len(lost) > retries:
                out(
                    {
                        "event": "failed",
                        "id": message["id"],
                        "kind": "lost",
                        "message": f"lost {len(lost)} times: {lost[-1]['message'][:500]}",
                        "lost": lost,
                    }
                )
                return
            continue
        slots.give_back(slot)
        out({**done, "event": "done", "id": message["id"], "attempts": len(lost) + 1, "lost": lost})
        return


def _refused(address: str) -> str | None:
    """Why nothing answers at a `host:port` (or `ray://host:port`) address, or None. Ray itself
    retries a GCS that does not answer for minutes; a person waiting on a suite wants to know
    at once that the address is wrong."""
    if ":" not in address:
        return None  # `auto`, `local`: Ray finds the cluster itself.
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_S):
            return None
    except (OSError, ValueError) as e:
        return f"nothing answers at {host}:{port} ({e})"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lathe_worker.ray_bridge")
    parser.add_argument("--address", required=True)
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--slots", type=int, default=0, help="at most this many GPUs (0: all)")
    args = parser.parse_args(argv)
    out = Output()

    def fail(kind: str, message: str) -> int:
        out({"event": "error", "kind": kind, "address": args.address, "message": message})
        return 3

    try:
        import ray
        import ray.exceptions
    except ImportError as e:
        return fail("no_ray", f"{sys.executable} cannot import ray: {e}")
    refused = _refused(args.address)
    if refused is not None:
        return fail("unreachable", refused)
    package = Path(lathe_worker.__file__).resolve().parent
    try:
        ray.init(
            address=args.address,
            runtime_env={"py_modules": [str(package)]},
            log_to_driver=False,
            logging_level="ERROR",
        )
    except Exception as e:
        # Every way of not connecting is the same answer for lathe.
        return fail("unreachable", f"{type(e).__name__}: {e}")
    from lathe_worker.ray_node import JudgeSlot

    gpus = int(ray.cluster_resources().get("GPU", 0))
    count = min(gpus, args.slots) if args.slots > 0 else gpus
    if count == 0:
        return fail("no_gpus", "the cluster has no GPU (start its nodes with --num-gpus)")
    actor_class = ray.remote(num_gpus=1, num_cpus=0, max_restarts=0)(JudgeSlot)
    slots = Slots(ray, actor_class)
    try:
        places = slots.start(count)
    except Exception as e:
        # An actor that cannot start is the cluster's failure, not lathe's.
        return fail("unreachable", f"its actors did not start: {type(e).__name__}: {e}")
    out({"event": "ready", "slots": places, "ray_version": ray.__version__})

    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("op") == "eval":
            threading.Thread(
                target=evaluate, args=(ray, slots, message, args.retries, out), daemon=True
            ).start()
    # lathe closed our input: it is done, or gone. The actors end with the driver's job.
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
