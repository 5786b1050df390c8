"""The judge's protections, each tried in a process of its own: Landlock keeps the runner's
writes beneath the directories it was given, and the judge, a child subreaper, ends every
process the runner left behind, daemons included."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from lathe_worker import landlock

WORKER = Path(__file__).resolve().parents[1]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=WORKER,
        timeout=60,
    )


CONFINED_WRITES = """
    import json, sys
    from pathlib import Path
    from lathe_worker import landlock

    allowed, outside = Path(sys.argv[1]), Path(sys.argv[2])
    confinement = landlock.confine([allowed])
    report = {"confinement": confinement.as_json()}
    for name, path in (("inside", allowed / "f"), ("outside", outside / "f")):
        try:
            path.write_text("x")
            report[name] = "written"
        except OSError as e:
            report[name] = type(e).__name__
    print(json.dumps(report))
"""


def test_a_confined_process_writes_only_where_it_was_allowed(tmp_path):
    allowed, outside = tmp_path / "scratch", tmp_path / "judge"
    outside.mkdir()
    run = _python(CONFINED_WRITES, str(allowed), str(outside))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["inside"] == "written"
    if landlock.abi_version() >= 1:
        assert report["confinement"]["error"] is None
        assert report["outside"] == "PermissionError"
        assert not (outside / "f").exists()
    else:
        # Without Landlock the runner says so; the fingerprint carries it to the verdict.
        assert report["confinement"]["landlock_abi"] == 0
        assert "no Landlock" in report["confinement"]["error"]


SIGNAL_PARENT = """
    import json, os, signal, sys
    from pathlib import Path
    from lathe_worker import landlock

    confinement = landlock.confine([Path(sys.argv[1])])
    try:
        os.kill(os.getppid(), 0)
        outcome = "allowed"
    except PermissionError:
        outcome = "refused"
    print(json.dumps({"scoped": confinement.signals_scoped, "signal": outcome}))
"""


def test_a_confined_process_cannot_signal_outside_its_domain(tmp_path):
    run = _python(SIGNAL_PARENT, str(tmp_path))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["signal"] == ("refused" if report["scoped"] else "allowed")
    assert report["scoped"] == (landlock.abi_version() >= 6)


DAEMON_LEFT_BEHIND = """
    import json, os, subprocess, sys, time
    from lathe_worker.sandbox import end_descendants, harden_judge

    hardening = harden_judge()
    # A child that double-forks a sleeper and exits: the sleeper is orphaned, and a subreaper
    # adopts it.
    subprocess.run([sys.executable, "-c",
        "import os, time\\n"
        "if os.fork() == 0:\\n"
        "    os.setsid()\\n"
        "    if os.fork() == 0:\\n"
        "        open(os.environ['PIDFILE'], 'w').write(str(os.getpid())); time.sleep(600)\\n"
        "    os._exit(0)\\n"
        "os.wait()\\n"], check=True)
    while not os.path.exists(os.environ["PIDFILE"]) or not open(os.environ["PIDFILE"]).read():
        time.sleep(0.01)
    daemon = int(open(os.environ["PIDFILE"]).read())
    killed = end_descendants()
    alive = os.path.exists(f"/proc/{daemon}")
    print(json.dumps({"hardening": hardening, "killed": killed, "alive": alive}))
"""


def test_the_judge_ends_a_daemon_its_child_left_behind(tmp_path):
    pidfile = tmp_path / "pid"
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DAEMON_LEFT_BEHIND)],
        capture_output=True,
        text=True,
        cwd=WORKER,
        timeout=60,
        env={"PIDFILE": str(pidfile), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["hardening"] == {"not_dumpable": True, "subreaper": True}
    assert report["killed"] == 1
    assert report["alive"] is False
