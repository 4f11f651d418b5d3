"""Each feature is a blueprint package exposing `bp`; every package here is registered."""

import importlib
import pkgutil

from flask import Flask


def register_blueprints(app: Flask) -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.ispkg:
            package = importlib.import_module(f"{__name__}.{module.name}")
            app.register_blueprint(package.bp)
