"""The WSGI entry point: `gunicorn wsgi:app`.

Proxy headers are trusted only when HORIZON_TRUSTED_PROXIES says how many proxies stand in
front of Horizon (see create_app); a client reaching gunicorn directly cannot forge them.
"""

from portal import create_app

app = create_app()
