"""The object store the storage tests run against: moto in server mode (ThreadedMotoServer, a local
S3-compatible HTTP server from the moto package, standing in where no MinIO can be installed), over
real HTTP with real signatures."""

import contextlib
import socket

import pytest

BUCKET = "tisheng-private"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_storage_settings(endpoint: str) -> dict:
    options = {"bucket_name": BUCKET, "endpoint_url": endpoint, "access_key": "tisheng-test",
               "secret_key": "tisheng-test-secret", "region_name": "us-east-1", "addressing_style": "path",
               "signature_version": "s3v4", "default_acl": None, "querystring_auth": True,
               "querystring_expire": 600, "file_overwrite": False}
    backend = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    return {"default": backend, "private": backend,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def s3(settings, s3_server):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="tisheng-test",
                          aws_secret_access_key="tisheng-test-secret", region_name="us-east-1")
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = s3_storage_settings(s3_server)
    settings.S3_URL_SECONDS = 600
    return s3_server


@pytest.fixture
def dead_store(settings):
    """The private storage pointed at a port nothing listens on: an object store that is down."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    settings.STORAGES = s3_storage_settings(dead)
    return dead


@pytest.fixture
def swept_folder():
    """`swept_folder("sweeptest/")`: that folder becomes the only one the store sweep knows (the apps'
    folders are their own tests'), its "rows" the names in the list returned, to extend as a test
    stores files; the registrations are put back afterwards."""
    from tisheng.core import storage_sweep

    saved = dict(storage_sweep.REFERENCES)
    storage_sweep.REFERENCES.clear()

    def register(folder: str) -> list[str]:
        referred: list[str] = []
        storage_sweep.register_references(folder, lambda: referred)
        return referred

    yield register
    storage_sweep.REFERENCES.clear()
    storage_sweep.REFERENCES.update(saved)
