"""gunicorn for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Everything comes from the environment (docs/deployment.md):
  GUNICORN_BIND        address to listen on (default 127.0.0.1:8000: the reverse proxy is in front)
  GUNICORN_WORKERS     processes (default: one per CPU)
  GUNICORN_THREADS     threads per process (default 4): a page also waits on PostgreSQL; 1 gives
                       gunicorn's sync worker. On the 2-core project machine 2 × 4 and 4 × 1 served
                       about 64 requests/s at saturation, 3 × 4 56 and 5 × 4 47 (more Python threads
                       than cores only add switching; docs/performance.md, "Web load")
  GUNICORN_TIMEOUT     seconds before a stuck worker is replaced (default 60); allocation runs
                       are background tasks, never requests, so nothing legitimate takes longer
  FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-Proto is believed (default 127.0.0.1)
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# One thread per process is gunicorn's plain sync worker (no keep-alive).
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
