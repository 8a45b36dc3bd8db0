"""gunicorn for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Everything comes from the environment (docs/deployment.md):
  GUNICORN_BIND        address to listen on (default 127.0.0.1:8000: the reverse proxy is in front)
  GUNICORN_WORKERS     processes (default: two per CPU)
  GUNICORN_THREADS     threads per process (default 1: gunicorn's sync worker, one request at a
                       time per process; the reverse proxy in front buffers slow clients, as
                       gunicorn's documentation requires for sync workers). Measured on the 2-core
                       project machine, 50 families applying at ~38 requests/s: 4 × 1 p95 125 ms
                       and p99 222 ms; 3 × 1 p95 125 ms, p99 814 ms; 2 × 4 threads p95 302 ms (threads
                       of one process share the GIL, so a busy process slows all its requests).
                       At saturation 4 × 1 and 2 × 4 both serve about 64 requests/s, 5 × 4 only 47.
                       docs/performance.md, "Web load".
  GUNICORN_TIMEOUT     seconds before a stuck worker is replaced (default 60); allocation runs
                       are background tasks, never requests, so nothing legitimate takes longer
  FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-Proto is believed (default 127.0.0.1)
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# One thread per process is gunicorn's plain sync worker (no keep-alive: the proxy keeps those).
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak in a library never grows without bound; the jitter
# keeps them from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request lines and headers larger than this are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# No query strings in the access log: password-reset and confirmation tokens travel in paths we
# control, but a careless link could put personal data in a query string.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
proc_name = "afterschool"
