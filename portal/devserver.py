"""`make run`: the development web server and a task-queue worker, started and stopped together.

`python -m portal.devserver --host 127.0.0.1 --port 5000` runs `flask run` and one Huey
consumer; Ctrl-C (or either process ending) stops both, so a fresh machine needs one command.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def environment(host: str, port: str, environ: dict[str, str]) -> dict[str, str]:
    """The children's environment. Links in e-mails, .ics files and the calendar feed point at
    the address served here (`make run PORT=8000` -> :8000), unless HORIZON_BASE_URL is set."""
    visible_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in visible_host:
        visible_host = f"[{visible_host}]"  # an IPv6 address in a URL
    env = {**environ, "FLASK_APP": "portal"}
    env.setdefault("HORIZON_BASE_URL", f"http://{visible_host}:{port}")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--workers", default="2", help="worker threads for background jobs")
    args = parser.parse_args()
    env = environment(args.host, args.port, dict(os.environ))
    commands = {
        "web": [str(BIN / "flask"), "run", "--host", args.host, "--port", args.port],
        "worker": [
            str(BIN / "huey_consumer"),
            "portal.tasks.worker.huey",
            "--workers",
            args.workers,
            "--worker-type",
            "thread",
        ],
    }
    processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603
    print(
        f"Horizon on http://{args.host}:{args.port} with a background worker"
        f" (links in e-mails: {env['HORIZON_BASE_URL']}). Ctrl-C stops both."
    )

    asked_to_stop = False

    def stop(*_: object) -> None:
        nonlocal asked_to_stop
        asked_to_stop = True
        for process in processes.values():
            if process.poll() is None:
                # SIGTERM: flask run and the Huey consumer both ignored SIGINT sent this way.
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        asked_to_stop = True
    stopped_by_user = asked_to_stop
    stop()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0 if stopped_by_user else max(abs(p.returncode or 0) for p in processes.values())


if __name__ == "__main__":
    sys.exit(main())
