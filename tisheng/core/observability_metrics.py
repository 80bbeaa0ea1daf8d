"""Prometheus metrics at /metrics (issue 20): what an operator watches during a deadline week.

What is measured, and where:

- `tisheng_http_requests_total{route,method,status}` and `tisheng_http_request_seconds{route,method}`:
  every request, by its route group, the resolver's view name ("learning:course_detail", "xapi:statements"),
  never the raw path (a path carries ids, and one label value per id would grow without end). Requests
  that match no route count as "unmatched". Django's requests through `RequestMetricsMiddleware`; the
  player's heartbeats, which are answered before Django (playback/fastpath.py), through `observe_request`.
- `tisheng_heartbeat_batch_size`: beats recorded per group commit (playback/fastpath.GroupCommit).
- `tisheng_lrs_statements_total`: statements the LRS stored (xapi/services.py, counted once committed);
  `rate(tisheng_lrs_statements_total[1m])` is statements per second.
- At scrape time, from the database (one or two small queries per scrape, in the scraping process):
  `tisheng_db_connections{state}` (pg_stat_activity for this database: with PgBouncer in front, the
  server connections it holds) and `tisheng_db_max_connections`; apps add their own through
  `register_scrape_hook` (the job queue's depth and oldest age: jobs/apps.py).

`tisheng serve` runs several worker processes: each writes its counters and histograms to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode; `prepare_multiprocess_dir` sets it up
before the server starts, emptied at every start), and whichever worker answers a scrape adds them all
up. Without that variable (the development server, tests) the metrics live in the process.

/metrics is not public: the client address (tisheng.core.clientip, so through trusted proxies the real
one) must be in METRICS_ALLOWED_NETWORKS, or the request must carry `Authorization: Bearer <METRICS_TOKEN>`.
Anyone else gets 404, as if there were nothing there.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from tisheng.core.clientip import client_ip

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# Latency buckets for a page that should answer in well under a second, and an export that may not.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

REQUESTS = Counter("tisheng_http_requests", "HTTP requests answered, by route group, method and status class",
                   ["route", "method", "status"])
LATENCY = Histogram("tisheng_http_request_seconds", "Time to answer an HTTP request, by route group and method",
                    ["route", "method"], buckets=REQUEST_BUCKETS)
HEARTBEAT_BATCH = Histogram("tisheng_heartbeat_batch_size", "Heartbeats recorded per group commit",
                            buckets=BATCH_BUCKETS)
LRS_STATEMENTS = Counter("tisheng_lrs_statements", "xAPI statements stored by the LRS")

_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

# A hook returns gauges read at scrape time: (metric name, help text, value) each.
ScrapeHook = Callable[[], Iterable[tuple[str, str, float]]]
_scrape_hooks: list[ScrapeHook] = []


def register_scrape_hook(hook: ScrapeHook) -> None:
    """An app above core adds metrics read at scrape time (call it from its AppConfig.ready)."""
    if hook not in _scrape_hooks:
        _scrape_hooks.append(hook)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUESTS.labels(route, method, f"{status // 100}xx").inc()
    LATENCY.labels(route, method).observe(seconds)


def observe_heartbeat_batch(size: int) -> None:
    HEARTBEAT_BATCH.observe(size)


def lrs_statements_stored(count: int) -> None:
    if count:
        LRS_STATEMENTS.inc(count)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or UNMATCHED


class RequestMetricsMiddleware:
    """Counts and times every request Django answers (put it first: it times the rest)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        try:
            observe_request(route_of(request), request.method or "", response.status_code,
                            time.perf_counter() - started)
        except Exception:  # a metric must never cost a user their answer
            logger.exception("recording request metrics failed")
        return response


# --- scrape time ---------------------------------------------------------------------------------------

def _database_metrics() -> Iterable[Metric]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1")
        by_state = cursor.fetchall()
        cursor.execute("SELECT current_setting('max_connections')::int")
        (most,) = cursor.fetchone()
    in_use = GaugeMetricFamily("tisheng_db_connections", "Database server connections to this database, by state",
                               labels=["state"])
    for state, count in by_state:
        in_use.add_metric([state], count)
    return [in_use, GaugeMetricFamily("tisheng_db_max_connections", "The database server's max_connections",
                                      value=most)]


class _ScrapeCollector:
    def collect(self) -> Iterable[Metric]:
        try:
            yield from _database_metrics()
        except DatabaseError:  # the database is down: the other metrics still tell the story
            logger.warning("metrics could not read the database's connections")
        for hook in _scrape_hooks:
            try:
                for name, documentation, value in hook():
                    yield GaugeMetricFamily(name, documentation, value=value)
            except DatabaseError:  # the database is down: the other metrics still tell the story
                logger.warning("metrics hook %s could not read the database", getattr(hook, "__name__", hook))


class _ProcessMetrics:
    """This process's own metrics (no multiprocess directory: the development server, tests)."""

    def collect(self) -> Iterable[Metric]:
        from prometheus_client import REGISTRY

        return REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(_ScrapeCollector())
    return registry


# --- access ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    ip = client_ip(request)
    if not ip:
        return False
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(getattr(settings, "METRICS_ALLOWED_NETWORKS", "")))


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


metrics.idle_timeout_exempt = True  # a scrape never loads a session


# --- process set-up ------------------------------------------------------------------------------------

def prepare_multiprocess_dir(path: Path | None = None) -> Path:
    """Point this process and its children at an empty multiprocess directory (called by `tisheng serve`
    before the server starts: counters start from zero with the server, as Prometheus expects)."""
    path = Path(path or os.environ.get(MULTIPROC_ENV) or getattr(settings, "METRICS_DIR", "")
                or Path(settings.VAR_DIR) / "metrics")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path
