"""Phases as they start, appended to a file the harness reads live and after a death."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


class Progress:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.phases: list[dict[str, Any]] = []
        self._started = time.perf_counter()
        self._current: str | None = None

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if self.phases:
            self.phases[-1]["seconds"] = round(now - self._started, 4)
        self._started, self._current = now, phase
        self.phases.append({"name": phase})
        if self.path:
            with self.path.open("a") as f:
                f.write(json.dumps({"phase": phase}) + "\n")

    @property
    def current(self) -> str:
        return self._current or "start"

    def finish(self) -> list[dict[str, Any]]:
        if self.phases and "seconds" not in self.phases[-1]:
            self.phases[-1]["seconds"] = round(time.perf_counter() - self._started, 4)
        return self.phases
