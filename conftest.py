# Monkey-patch before anything imports sockets or threads: nameko runs on
# eventlet, and without this pytest hangs in container_factory.
import warnings

# eventlet announces its own deprecation on import; that is known and pinned.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from shared.config import load_config, service_config_path  # noqa: E402
from shared.mongo import make_client  # noqa: E402
from tests.helpers import free_port  # noqa: E402

ROOT = os.path.dirname(os.path.abspath(__file__))


def wait_for_mongo(uri, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        client = make_client(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            client.close()


@pytest.fixture(scope="session")
def mongo_uri():
    """A MongoDB-wire store: ``MONGO_URI`` if set, else a throwaway SecantusDB."""
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    server = shutil.which("secantusd-py") or os.path.join(os.path.dirname(sys.executable), "secantusd-py")
    port = free_port()
    process = subprocess.Popen(
        [server, "--host", "127.0.0.1", "--port", str(port), "--storage-path", ":memory:",
         "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        wait_for_mongo(uri)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def db_prefix():
    """Per-test database names, so tests can run in any order."""
    return f"t{uuid.uuid4().hex[:10]}_"


@pytest.fixture(scope="session")
def auth_secret():
    return secrets.token_urlsafe(32)


@pytest.fixture
def service_config(rabbit_config, mongo_uri, db_prefix, auth_secret):
    """Build a service's config from its config.yaml, pointed at this test's
    vhost and databases, with short relay and retry intervals."""

    def build(service_name, **overrides):
        env = {
            "AMQP_URI": rabbit_config["AMQP_URI"],
            "MONGO_URI": mongo_uri,
            "MONGO_DB_PREFIX": db_prefix,
            "AUTH_SECRET": auth_secret,
            "OUTBOX_POLL_INTERVAL": "0.2",
            "EVENT_RETRY_DELAYS": "0.2,0.4",
            "LOG_LEVEL": "WARNING",
        }
        config = load_config(service_config_path(service_name), env=env)
        config.pop("LOGGING", None)  # keep pytest's own log capture
        config.update(rabbit_config)
        config.update(overrides)
        return config

    return build


@pytest.fixture
def mongo_client(mongo_uri):
    client = make_client(mongo_uri)
    yield client
    client.close()
