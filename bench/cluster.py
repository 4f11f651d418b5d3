"""The cluster test: nginx, two gunicorn instances and two Huey consumers on one PostgreSQL and
Redis; a mixed load through nginx; one app instance and one worker killed (SIGKILL) mid-run.

Prints the figures and exits non-zero when a check fails:
  - requests: every request answered, except those in flight on the killed instance
    (nginx retries connect failures and idempotent requests on the survivor; a POST that
    reached the killed instance is not replayed, so it may fail: counted, bounded);
  - committed writes: every journal entry whose POST answered 303 is in the database;
  - e-mail exactly once: every outbox row is delivered once to a real SMTP server (aiosmtpd),
    no message arrives twice, whoever sent it and whatever was killed; the guide's scheduled
    pass is enqueued by both workers' schedulers and still sends each key once;
  - sessions and sign-in limits shared: a cookie from one instance works on the other, and
    the per-account limit counts failures on both instances together (Redis);
  - jobs exactly once: a CSV import and a matching run are claimed by the worker that is
    killed (the other is paused with SIGSTOP until both are claimed); their leases run out,
    the sweeper gives them to the survivor, and each is saved once (accounts, memberships,
    proposed pairs and audit lines counted).

Environment: HORIZON_DIR (the checkout, default: the parent of bench/), PG_SERVER,
REDIS_URL (default redis://127.0.0.1:6379/9), CLUSTER_SECONDS (default 20),
CLUSTER_THREADS (default 12), CLUSTER_IMPORT_ROWS (default 1500), CLUSTER_MATCH_PEOPLE
(default 600). Needs nginx on PATH or /usr/sbin/nginx (Debian `nginx`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import sqlalchemy as sa
from aiosmtpd.controller import Controller

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the figures
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: one line per SMTP command
HERE = Path(__file__).resolve().parent
HORIZON = Path(os.environ.get("HORIZON_DIR", HERE.parent))
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
SECONDS = float(os.environ.get("CLUSTER_SECONDS", "20"))
SMTP_DELAY = float(os.environ.get("CLUSTER_SMTP_DELAY", "0"))
THREADS = int(os.environ.get("CLUSTER_THREADS", "12"))
IMPORT_ROWS = int(os.environ.get("CLUSTER_IMPORT_ROWS", "1500"))
MATCH_PEOPLE = int(os.environ.get("CLUSTER_MATCH_PEOPLE", "600"))
# Short here: a worker beats every second, and a job it held is taken for lost after 5 s.
LEASES = {"HORIZON_HEARTBEAT_SECONDS": "1", "HORIZON_JOB_LEASE_SECONDS": "5"}
IMPORT_HEADER = (
    "email,name,role,department,seniority,timezone,format,values,goals,strengths,capacity"
)
PASSWORD = "horizon-demo"  # noqa: S105  the demo seed's password


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def wait_for_health(url: str, timeout: float = 90) -> None:
    """Gunicorn binds before its workers import the app: wait for an answer, not a socket."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=30).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never answered 200")


# --- a real SMTP server that counts ------------------------------------------------------
class Mailbox:
    """aiosmtpd handler: every message received, fingerprinted by recipient, subject and body."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (fingerprint, message-id)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.content.decode("utf8", errors="replace")
        head, _, body = raw.partition("\r\n\r\n")
        subject = re.search(r"^Subject: (.*)$", head, re.M | re.I)
        message_id = re.search(r"^Message-ID: (.*)$", head, re.M | re.I)
        fingerprint = hashlib.sha256(
            f"{envelope.rcpt_tos}|{subject and subject.group(1)}|{body}".encode()
        ).hexdigest()
        with self.lock:
            self.received.append((fingerprint, message_id.group(1) if message_id else ""))
        # A slow mail server widens the window between "accepted" and the worker's commit,
        # so the worker kill lands inside a send (CLUSTER_SMTP_DELAY seconds).
        await asyncio.sleep(SMTP_DELAY)
        return "250 OK"


# --- the processes ----------------------------------------------------------------------
class Cluster:
    """Starts and stops every process; each in its own process group, so a kill is exact."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir, self.env = workdir, env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115
        self.procs[name] = subprocess.Popen(  # noqa: S603
            args,
            cwd=HORIZON,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        """SIGKILL the process and its children (gunicorn workers, consumer threads)."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def pause(self, name: str, paused: bool) -> None:
        """SIGSTOP / SIGCONT a process group (a worker that takes no task meanwhile)."""
        os.killpg(self.procs[name].pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


NGINX_CONF = """
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {d}/nginx-access.log;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  upstream horizon_app {{
    server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
    server 127.0.0.1:{b} max_fails=1 fail_timeout=10s;
    keepalive 16;
  }}
  map $http_x_request_id $horizon_request_id {{ default $http_x_request_id; "" $request_id; }}
  server {{
    listen 127.0.0.1:{port};
    include {locations};
  }}
}}
"""


# --- the load ---------------------------------------------------------------------------
class Figures:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: Counter[str] = Counter()
        self.errors: list[str] = []
        self.entries: list[int] = []  # journal entries whose POST answered 303
        self.resets = 0  # password-link requests answered 303 (each queues one e-mail)
        self.latency: list[float] = []
        # Released once per load thread signed in: the clock (and the kills) start after all.
        self.signed_in = threading.Semaphore(0)

    def record(self, key: str, seconds: float) -> None:
        with self.lock:
            self.status[key] += 1
            self.latency.append(seconds)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise AssertionError("no csrf_token on the page")
    return match.group(1)


def sign_in(client: httpx.Client, email: str) -> None:
    token = csrf(client.get("/auth/login").text)
    answer = client.post(
        "/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise AssertionError(f"{email} could not sign in: {answer.status_code}")


def participant(base: str, email: str, stop: threading.Event, figures: Figures) -> None:
    """Reads pages, writes journal entries, and now and then asks for a password link."""
    with httpx.Client(base_url=base, timeout=15, follow_redirects=False) as client:
        sign_in(client, email)
        figures.signed_in.release()
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            try:
                if n % 3:
                    answer = client.get("/dashboard/" if n % 2 else "/journal/")
                    figures.record(f"GET {answer.status_code}", time.perf_counter() - started)
                else:
                    token = csrf(client.get("/journal/new").text)
                    answer = client.post(
                        "/journal/new",
                        data={
                            "csrf_token": token,
                            "title": f"cluster {uuid.uuid4().hex[:8]}",
                            "body": "written during the cluster test",
                            "visibility": "private",
                        },
                    )
                    figures.record(f"POST {answer.status_code}", time.perf_counter() - started)
                    if answer.status_code == 303:
                        entry_id = int(answer.headers["location"].rstrip("/").split("/")[-1])
                        with figures.lock:
                            figures.entries.append(entry_id)
                if n % 10 == 5:  # one e-mail each: must arrive exactly once
                    with httpx.Client(base_url=base, timeout=15) as anonymous:
                        token = csrf(anonymous.get("/auth/forgot").text)
                        answer = anonymous.post(
                            "/auth/forgot",
                            data={"csrf_token": token, "email": email},
                            follow_redirects=False,
                        )
                    if answer.status_code == 303:
                        with figures.lock:
                            figures.resets += 1
            except (httpx.HTTPError, AssertionError) as error:
                with figures.lock:
                    figures.errors.append(f"{type(error).__name__}: {error}"[:200])


def admin(base: str, email: str, stop: threading.Event, figures: Figures) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        sign_in(client, email)
        figures.signed_in.release()
        while not stop.is_set():
            started = time.perf_counter()
            try:
                answer = client.get("/admin/analytics")
                figures.record(f"GET {answer.status_code}", time.perf_counter() - started)
            except httpx.HTTPError as error:
                with figures.lock:
                    figures.errors.append(f"{type(error).__name__}: {error}"[:200])


# --- checks against the database --------------------------------------------------------
def app_for(database_url: str, queue: str):
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        HORIZON_TASK_QUEUE=queue,
        HORIZON_OUTBOX_STALL_SECONDS="5",
        HORIZON_OUTBOX_ABANDON_SECONDS="10",
        **LEASES,
    )
    sys.path.insert(0, str(HORIZON))
    from portal import create_app

    return create_app()


def job_programmes(app) -> tuple[int, int, int]:
    """Two programmes: one to import into, one with a cohort to match; and the admin's id."""
    from datetime import date

    from portal.demo.builders import new_membership, new_user
    from portal.extensions import db
    from portal.models import Program, ProgramStatus, Role, User

    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
        programmes = [
            Program(
                name=name,
                slug=name.lower().replace(" ", "-"),
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 12, 31),
                status=ProgramStatus.enrolling,
            )
            for name in ("Cluster import", "Cluster matching")
        ]
        db.session.add_all(programmes)
        db.session.flush()
        for i in range(MATCH_PEOPLE):
            person = new_user(f"match{i}@cluster.test", f"Match {i}", password_hash="!")
            role = Role.mentor if i % 4 == 0 else Role.mentee
            profile = {"department": f"Dept {i % 9}", "seniority": 1 + i % 6, "capacity": 2}
            new_membership(person, programmes[1], role, profile=profile)
        db.session.commit()
        ids = (programmes[0].id, programmes[1].id, admin.id)
        db.session.remove()
    return ids


def import_csv_text(rows: int) -> str:
    return "\n".join(
        [IMPORT_HEADER]
        + [
            f"imported{i}@cluster.test,Imported {i},{'mentor' if i % 4 == 0 else 'mentee'},"
            f"Dept {i % 9},{1 + i % 6},Europe/Berlin,either,growth,leadership,coaching,2"
            for i in range(rows)
        ]
    )


def start_jobs(app, ids: tuple[int, int, int]) -> list[int]:
    """Queue a CSV import and a matching run (as the admin's pages do); their job ids."""
    from portal.extensions import db
    from portal.models import Program, User
    from portal.services.matching import background
    from portal.services.programmes.enrollment import start_import

    with app.app_context():
        import_into, to_match, admin_id = ids
        admin = db.session.get(User, admin_id)
        _, imported = start_import(
            db.session.get(Program, import_into), import_csv_text(IMPORT_ROWS), admin
        )
        matching = background.start(db.session.get(Program, to_match), None, admin)
        job_ids = [imported.id, matching.id]
        db.session.remove()
    return job_ids


def holders(app, job_ids: list[int]) -> list[str | None]:
    from portal.extensions import db
    from portal.models.jobs import BackgroundJob

    with app.app_context():
        rows = db.session.execute(
            sa.select(BackgroundJob.id, BackgroundJob.leased_by).where(
                BackgroundJob.id.in_(job_ids)
            )
        ).all()
        db.session.remove()
    return [by for _, by in sorted(rows)]


def job_figures(app, ids: tuple[int, int, int], job_ids: list[int]) -> list[str]:
    """Print each job's outcome; return what failed (not done, or saved other than once)."""
    from portal.extensions import db
    from portal.models import Membership, Pairing, PairingStatus, User
    from portal.models.enrollment import AuditEvent
    from portal.models.jobs import BackgroundJob, JobStatus

    failures = []
    import_into, to_match, _ = ids
    with app.app_context():
        jobs = {
            j.kind: j
            for j in db.session.scalars(
                sa.select(BackgroundJob).where(BackgroundJob.id.in_(job_ids))
            )
        }

        def count(query) -> int:
            return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

        members = count(sa.select(Membership.id).where(Membership.program_id == import_into))
        accounts = count(sa.select(User.id).where(User.email.like("imported%@cluster.test")))
        proposed = count(
            sa.select(Pairing.id).where(
                Pairing.program_id == to_match, Pairing.status == PairingStatus.proposed
            )
        )
        audits = {
            action: count(
                sa.select(AuditEvent.id).where(
                    AuditEvent.action == action, AuditEvent.program_id == program
                )
            )
            for action, program in (
                ("enrollment.imported", import_into),
                ("matching.proposed", to_match),
            )
        }
        imported, matching = jobs["csv_import"], jobs["matching"]
        print(
            f"import job: {imported.status.value} after {imported.attempts} attempts; "
            f"{IMPORT_ROWS} rows -> {accounts} accounts, {members} memberships, "
            f"{audits['enrollment.imported']} audit line"
        )
        print(
            f"matching job: {matching.status.value} after {matching.attempts} attempts; "
            f"{matching.result.get('pairs')} pairs in its result, {proposed} proposed in the "
            f"database, {audits['matching.proposed']} audit line"
        )
        if imported.status is not JobStatus.done or not (
            accounts == members == IMPORT_ROWS and audits["enrollment.imported"] == 1
        ):
            failures.append("the import did not finish exactly once")
        if matching.status is not JobStatus.done or not (
            proposed == matching.result.get("pairs") and audits["matching.proposed"] == 1
        ):
            failures.append("the matching run did not finish exactly once")
        db.session.remove()
    return failures


def main() -> int:  # noqa: C901, PLR0915  a script that reads top to bottom
    name = f"horizon_cluster_{uuid.uuid4().hex[:8]}"
    database_url = f"{PG_SERVER}/{name}"
    queue = f"cluster-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="horizon-cluster-"))
    smtp_port, port_a, port_b, port_nginx = (free_port() for _ in range(4))
    failures: list[str] = []
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HORIZON_TASK_QUEUE": queue,
        "SECRET_KEY": uuid.uuid4().hex,
        "HORIZON_TRUSTED_PROXIES": "1",
        "HORIZON_BASE_URL": f"http://127.0.0.1:{port_nginx}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "FLASK_APP": "portal",
        # The sweeper's limits, short here: pending 5 s = lost enqueue; sending 10 s = abandoned.
        "HORIZON_OUTBOX_STALL_SECONDS": "5",
        "HORIZON_OUTBOX_ABANDON_SECONDS": "10",
        **LEASES,
    }
    cluster = Cluster(workdir, env)
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        cleanup.callback(
            lambda: server.connect().execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        )
        cleanup.callback(smtp.stop)
        cleanup.callback(cluster.stop_all)
        subprocess.run(
            [BIN / "flask", "db", "upgrade", "heads"],
            cwd=HORIZON,
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [BIN / "flask", "seed-demo"], cwd=HORIZON, env=env, check=True, capture_output=True
        )
        for label, port in (("app-a", port_a), ("app-b", port_b)):
            cluster.start(
                label,
                [
                    str(BIN / "gunicorn"),
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{port}",
                    "--graceful-timeout",
                    "5",
                    "wsgi:app",
                ],
            )
        for label in ("worker-a", "worker-b"):
            cluster.start(
                label,
                [str(BIN / "huey_consumer"), "portal.tasks.worker.huey", "-w", "2", "-k", "thread"],
            )
        (workdir / "nginx.conf").write_text(
            NGINX_CONF.format(
                d=workdir,
                a=port_a,
                b=port_b,
                port=port_nginx,
                locations=HERE.parent / "deploy" / "nginx" / "horizon-locations.conf",
            )
        )
        cluster.start(
            "nginx",
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-c",
                str(workdir / "nginx.conf"),
                "-p",
                str(workdir),
                "-g",
                "daemon off;",
            ],
        )
        for port in (port_a, port_b, port_nginx):
            wait_for_port(port)
        for port in (port_a, port_b):
            wait_for_health(f"http://127.0.0.1:{port}/healthz")
        base = f"http://127.0.0.1:{port_nginx}"

        # Shared state, before the load: a session made on A works on B; failures count on both.
        with httpx.Client(base_url=f"http://127.0.0.1:{port_a}") as on_a:
            sign_in(on_a, "mentee@example.org")
            cookie = on_a.cookies
        shared = httpx.get(f"http://127.0.0.1:{port_b}/dashboard/", cookies=cookie).status_code
        print(f"session from A on B: {shared}")
        if shared != 200:
            failures.append("a session made on one instance is not valid on the other")
        statuses = []
        probe = f"probe-{uuid.uuid4().hex[:8]}@example.org"  # fresh bucket: Redis outlives runs
        for attempt in range(11):
            port = (port_a, port_b)[attempt % 2]
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
                token = csrf(c.get("/auth/login").text)
                statuses.append(
                    c.post(
                        "/auth/login",
                        data={"csrf_token": token, "email": probe, "password": "wrong-password"},
                    ).status_code
                )
        print(f"11 wrong passwords alternating A/B: {statuses}")
        if statuses != [422] * 10 + [429]:
            failures.append("the sign-in limit is not shared between instances")

        job_setup = job_programmes(app_for(database_url, queue))
        figures, stop = Figures(), threading.Event()
        people = ["mentee@example.org", "mentor@example.org"] + [
            f"cohort.mentee{i}@example.org" for i in range(2, THREADS)
        ]
        with ThreadPoolExecutor(THREADS + 1) as pool:
            futures = [pool.submit(participant, base, p, stop, figures) for p in people[:THREADS]]
            futures.append(pool.submit(admin, base, "admin@example.org", stop, figures))
            try:
                for _ in futures:  # every thread signed in (argon2 is slow on a busy machine)
                    if not figures.signed_in.acquire(timeout=120):
                        raise RuntimeError("the load threads could not sign in")
                time.sleep(SECONDS / 3)
                cluster.kill("app-a")
                print(f"t={SECONDS / 3:.0f}s killed app-a (gunicorn master and workers)")
                # The import and the matching run go to worker-a: worker-b is paused until
                # worker-a has claimed both, and worker-a is killed while it holds them.
                app = app_for(database_url, queue)
                cluster.pause("worker-b", True)
                job_ids = start_jobs(app, job_setup)
                claim_deadline = time.monotonic() + 30
                while time.monotonic() < claim_deadline and not all(holders(app, job_ids)):
                    time.sleep(0.1)
                held = holders(app, job_ids)
                cluster.pause("worker-b", False)
                # Both workers' schedulers would enqueue the guide's pass: enqueue it twice.
                from portal.services.reminders.tasks import send_due_reminders

                with app.app_context():
                    send_due_reminders()
                    send_due_reminders()
                time.sleep(float(os.environ.get("CLUSTER_WORKER_KILL_DELAY", "0.3")))
                cluster.kill("worker-a")  # while the guide pass and e-mails are being worked
                print(f"t={SECONDS / 2:.0f}s killed worker-a (consumer and its threads)")
                killed = f":{cluster.procs['worker-a'].pid}"
                on_a = sum(1 for h in held if h and h.endswith(killed))
                print(f"jobs held by the killed worker when it was killed: {on_a} of 2")
                time.sleep(SECONDS / 2)
            finally:
                stop.set()  # the load threads stop even when a step above fails
            for future in futures:
                future.result()

        # Drain: a task the killed worker had taken is gone from Redis; the outbox sweeper
        # finds its message still pending and queues it again (here at once, not after 30 min).
        from sqlalchemy import select

        from portal.extensions import db
        from portal.models.guide import GuideDispatch
        from portal.models.jobs import BackgroundJob
        from portal.models.journal import JournalEntry
        from portal.models.outbox import OutboxMessage, OutboxStatus
        from portal.services.platform import leases
        from portal.services.platform.mail import deliver_email, requeue_stalled
        from portal.tasks import huey

        deadline, requeued, swept = time.monotonic() + 120, 0, {"requeued": 0, "failed": 0}
        claims = hasattr(OutboxStatus, "sending")  # the outbox with claims (see PLAN.md §2.1)
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.rollback()
                waiting = list(
                    db.session.scalars(
                        select(OutboxMessage.id).where(
                            OutboxMessage.status.in_(
                                [s for s in OutboxStatus if s.value in ("pending", "sending")]
                            )
                        )
                    )
                )
                # The lease sweeper, as the workers run it every minute (here every 2 s).
                jobs_swept = leases.sweep()
                swept["requeued"] += jobs_swept["requeued"]
                swept["failed"] += jobs_swept["failed"]
                unfinished = db.session.scalar(
                    select(sa.func.count(BackgroundJob.id)).where(
                        BackgroundJob.id.in_(job_ids), BackgroundJob.finished_at.is_(None)
                    )
                )
                if not waiting and not unfinished and huey.pending_count() == 0:
                    break
                if huey.pending_count() == 0:
                    if claims:  # the sweeper, as the workers run it (short limits, set below)
                        requeued += requeue_stalled.call_local()
                    else:
                        for outbox_id in waiting:
                            deliver_email(outbox_id)
                        requeued += len(waiting)
                time.sleep(2)
            time.sleep(1)
            outbox = db.session.execute(select(OutboxMessage.status, OutboxMessage.key)).all()
            kept = set(
                db.session.scalars(
                    select(JournalEntry.id).where(JournalEntry.id.in_(figures.entries))
                )
            )
            dispatched = db.session.scalar(
                select(sa.func.count())
                .select_from(GuideDispatch)
                .where(GuideDispatch.emailed.is_(True))
            )
            db.session.rollback()
            db.engine.dispose()

        received = Counter(fingerprint for fingerprint, _ in mailbox.received)
        duplicates = {f: n for f, n in received.items() if n > 1}
        sent = sum(1 for status, _ in outbox if status is OutboxStatus.sent)
        uncertain = sum(1 for status, _ in outbox if status.value == "uncertain")
        latency = sorted(figures.latency) or [0]
        print(
            f"requests: {sum(figures.status.values())} answered {dict(figures.status)}; "
            f"transport errors {len(figures.errors)}"
        )
        print(
            f"latency p50 {latency[len(latency) // 2] * 1000:.0f} ms, "
            f"p95 {latency[int(len(latency) * 0.95)] * 1000:.0f} ms"
        )
        print(f"journal writes answered 303: {len(figures.entries)}, in the database: {len(kept)}")
        print(f"password links requested: {figures.resets}; guide e-mails dispatched: {dispatched}")
        print(f"messages requeued after the worker kill (lost with its tasks): {requeued}")
        print(f"jobs whose lease ran out: {swept['requeued']} requeued, {swept['failed']} failed")
        failures += job_figures(app, job_setup, job_ids)
        print(
            f"outbox: {len(outbox)} rows, {sent} sent, {uncertain} uncertain; "
            f"SMTP received {len(mailbox.received)} "
            f"messages, {len(received)} distinct, duplicates {len(duplicates)}"
        )
        bad = sum(n for key, n in figures.status.items() if key.split()[1].startswith("5"))
        if len(figures.errors) + bad > 2 * 2:  # in flight on the killed instance's 2 workers
            failures.append(f"{len(figures.errors) + bad} requests lost: {figures.errors[:3]}")
        if len(kept) != len(figures.entries):
            failures.append("a committed journal entry is missing")
        if duplicates:
            failures.append(f"{len(duplicates)} e-mails arrived more than once")
        # Every row sent; a row the killed worker was sending is 'uncertain' (never resent):
        # at most one per thread of that worker (2), and it may or may not have arrived.
        if sent + uncertain != len(outbox) or uncertain > 2:
            failures.append(f"outbox {len(outbox)} rows: {sent} sent, {uncertain} uncertain")
        if not sent <= len(received) <= sent + uncertain:
            failures.append(f"{sent} sent but {len(received)} distinct messages received")
    for failure in failures:
        print("FAIL:", failure)
    print("cluster: OK" if not failures else "cluster: FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
