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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--workers", default="2", help="worker threads for background jobs")
    args = parser.parse_args()
    env = {**os.environ, "FLASK_APP": "portal"}
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
    print(f"Horizon on http://{args.host}:{args.port} with a background worker. Ctrl-C stops both.")

    asked_to_stop = False

    def stop(*_: object) -> None:
        nonlocal asked_to_stop
        asked_to_stop = True
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)

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
