"""Does `make run PORT=8000` write links to port 8000 (e-mails, .ics files, the calendar feed)?"""

from portal import create_app
from portal.devserver import environment


def test_the_base_url_follows_the_served_address(monkeypatch):
    env = environment("127.0.0.1", "8000", {"PATH": "/usr/bin"})
    assert env["HORIZON_BASE_URL"] == "http://127.0.0.1:8000"
    assert env["FLASK_APP"] == "portal" and env["PATH"] == "/usr/bin"
    # The app the child starts reads it.
    monkeypatch.setenv("HORIZON_BASE_URL", env["HORIZON_BASE_URL"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.config["BASE_URL"] == "http://127.0.0.1:8000"


def test_every_interface_links_to_localhost():
    assert environment("0.0.0.0", "5057", {})["HORIZON_BASE_URL"] == "http://127.0.0.1:5057"  # noqa: S104
    assert environment("::1", "5057", {})["HORIZON_BASE_URL"] == "http://[::1]:5057"


def test_a_base_url_set_by_the_person_wins():
    env = environment("127.0.0.1", "8000", {"HORIZON_BASE_URL": "https://mentoring.example.org"})
    assert env["HORIZON_BASE_URL"] == "https://mentoring.example.org"
