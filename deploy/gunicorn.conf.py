"""gunicorn settings for Horizon (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`).

Environment: HORIZON_BIND (default 127.0.0.1:8001), WEB_CONCURRENCY (workers, default 2 x CPU),
PROMETHEUS_MULTIPROC_DIR (a private, writable, *emptied at start* directory; required for
/metrics to merge all workers; systemd's RuntimeDirectory= gives one).
"""

import glob
import multiprocessing
import os

bind = os.environ.get("HORIZON_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"  # psycopg + SQLAlchemy pool per worker; nginx buffers slow clients
timeout = 60
graceful_timeout = 20
max_requests, max_requests_jitter = 2000, 200  # bounds any slow leak
forwarded_allow_ips = "127.0.0.1"  # gunicorn's own wsgi.url_scheme; the app uses ProxyFix
accesslog = None  # the app logs each request as JSON with its request id
preload_app = False  # each worker opens its own DB/Redis connections after fork


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
