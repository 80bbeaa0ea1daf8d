"""/metrics: what Prometheus scrapes, who may scrape it, and that several worker processes add up."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from tisheng.core import observability_metrics
from tisheng.jobs.models import Job, JobState
from tisheng.playback import fastpath
from tisheng.xapi.tests.conftest import make_lrs, statement


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_metrics_count_requests_by_route_name_never_by_raw_path(client, world):
    before = scrape(client)
    client.get("/verify/NO-SUCH-CERTIFICATE-1")
    client.get("/verify/NO-SUCH-CERTIFICATE-2")
    client.get("/no/such/page/at/all")

    after = scrape(client)

    routes = {dict(labels).get("route") for (name, labels) in after if name == "tisheng_http_requests_total"}
    assert not any("NO-SUCH" in (r or "") or "/" in (r or "") for r in routes), routes
    assert "unmatched" in routes
    verify_routes = [r for r in routes if r and r.startswith("verify:")]
    assert verify_routes, routes
    counted = sum(value(after, "tisheng_http_requests_total", route=r, method="GET", status=s)
                  - value(before, "tisheng_http_requests_total", route=r, method="GET", status=s)
                  for r in verify_routes for s in ("2xx", "3xx", "4xx", "5xx"))
    assert counted == 2
    assert value(after, "tisheng_http_request_seconds_count", route="unmatched", method="GET") >= 1


@pytest.mark.django_db
def test_metrics_are_404_for_an_address_outside_the_allow_list_without_the_token(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = "10.20.0.0/16"
    settings.METRICS_TOKEN = "scrape-token-0123456789"

    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7",
                      HTTP_AUTHORIZATION="Bearer scrape-token-0123456789").status_code == 200


@pytest.mark.django_db
def test_metrics_behind_a_proxy_judge_the_client_not_the_proxy(client, settings):
    # Scraped through the load balancer, the balancer's own address must not open /metrics to everyone.
    settings.METRICS_ALLOWED_NETWORKS = "127.0.0.1/32"
    settings.TRUSTED_PROXY_COUNT = 1

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


@pytest.mark.django_db
def test_metrics_show_the_job_queue_depth_and_the_age_of_its_oldest_job(client):
    Job.objects.create(kind="exports.roster", state=JobState.QUEUED,
                       created_at=timezone.now() - dt.timedelta(minutes=5))
    Job.objects.create(kind="exports.roster", state=JobState.QUEUED)
    Job.objects.create(kind="exports.roster", state=JobState.DONE,
                       created_at=timezone.now() - dt.timedelta(days=3))

    samples = scrape(client)

    assert value(samples, "tisheng_jobs_queued") == 2
    assert 295 <= value(samples, "tisheng_jobs_oldest_queued_seconds") < 400


@pytest.mark.django_db
def test_metrics_show_database_connections_in_use_on_postgresql(client):
    samples = scrape(client)

    connections_ = {dict(labels)["state"]: v for (name, labels), v in samples.items()
                    if name == "tisheng_db_connections"}
    if connection.vendor == "postgresql":
        assert sum(connections_.values()) >= 1
        assert value(samples, "tisheng_db_max_connections") > 0
    else:
        assert connections_ == {}


@pytest.mark.django_db
def test_metrics_count_lrs_statements_once_they_are_committed(client, world, django_capture_on_commit_callbacks):
    lrs = make_lrs(world, "XAPI-M", "闽江网络研修院")
    before = value(scrape(client), "tisheng_lrs_statements_total")

    with django_capture_on_commit_callbacks(execute=False) as pending:
        assert lrs.post("statements", [statement(), statement()]).status_code == 200
        assert lrs.post("statements", statement(verb={"id": "not a verb IRI"})).status_code == 400
    assert value(scrape(client), "tisheng_lrs_statements_total") == before  # not yet committed
    for callback in pending:
        callback()

    assert value(scrape(client), "tisheng_lrs_statements_total") - before == 2


def test_each_heartbeat_group_commit_records_its_batch_size(monkeypatch):
    monkeypatch.setattr(fastpath, "answer_beats", lambda requests: [(400, {"error": "x"}, None)] * len(requests))
    before = observability_metrics.HEARTBEAT_BATCH._sum.get()

    assert fastpath.GroupCommit().submit(b"{}", "")[0] == 400

    assert observability_metrics.HEARTBEAT_BATCH._sum.get() - before == 1


def test_worker_processes_add_up_in_multiprocess_mode(tmp_path: Path):
    # `tisheng serve` runs several workers: each writes its own file, any one of them answers the sum.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tisheng.settings"}
    code = ("from tisheng.core import observability_metrics as m\n"
            "m.observe_request('learning:course_detail', 'GET', 200, 0.03)\n"
            "m.observe_heartbeat_batch(12)\n"
            "m.lrs_statements_stored(50)\n")
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=django_settings.BASE_DIR.parent)

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))

    assert registry.get_sample_value("tisheng_http_requests_total",
                                     {"route": "learning:course_detail", "method": "GET", "status": "2xx"}) == 2
    assert registry.get_sample_value("tisheng_heartbeat_batch_size_sum") == 24
    assert registry.get_sample_value("tisheng_lrs_statements_total") == 100


def test_serve_starts_with_an_empty_metrics_directory(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    stale = tmp_path / "metrics" / "counter_4242.db"
    stale.parent.mkdir()
    stale.write_bytes(b"old figures")

    path = observability_metrics.prepare_multiprocess_dir(tmp_path / "metrics")

    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(path)
    assert list(path.iterdir()) == []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
