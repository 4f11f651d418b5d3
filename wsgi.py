"""The WSGI entry point: `gunicorn wsgi:app`."""

from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app

# Behind one reverse proxy, trust its X-Forwarded-Proto/Host so HTTPS is recognised.
app = ProxyFix(create_app(), x_proto=1, x_host=1)
