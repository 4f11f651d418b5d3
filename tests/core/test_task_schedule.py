"""Every module that declares a background job is listed in portal/tasks/schedule.py."""

import ast
from pathlib import Path

import portal
from portal.tasks import huey, schedule

PORTAL = Path(portal.__file__).parent
DECORATORS = {"task", "periodic_task", "runner", "on_startup"}


def _declares_a_job(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
                if name in DECORATORS:
                    return True
    return False


def _module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_is_every_module_that_declares_a_job_in_the_schedule():
    declaring = {
        _module_name(path)
        for path in PORTAL.rglob("*.py")
        if "tasks" not in path.relative_to(PORTAL).parts[:1] and _declares_a_job(path)
    }
    listed = {module.__name__ for module in schedule.MODULES}
    assert declaring, "the scan found no job at all: the decorator names changed"
    assert declaring - listed == set(), "declare these modules in portal/tasks/schedule.py"


def test_does_the_schedule_register_every_periodic_job():
    periodic = {task.__name__ for task in huey._registry._periodic_tasks}
    assert periodic >= {
        "requeue_stalled",
        "clean_expired_sessions",
        "refresh_every_morning",
        "release_due_notifications_every_minute",
        "guide_schedule",
    }
    assert "portal.services.reminders.tasks.send_due_reminders" in huey._registry._registry


def test_does_the_worker_entry_point_load_the_schedule():
    worker = (PORTAL / "tasks" / "worker.py").read_text()
    assert "from portal.tasks.schedule import huey" in worker
