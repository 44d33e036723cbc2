"""A whole running stack (every service under ``nameko run`` plus the gateway),
on this test session's own vhost, databases and port."""
import os
import shutil
import tempfile
from urllib.parse import urlparse

import pytest
import requests

from deploy import devstack
from tests.helpers import free_port


class Stack:
    def __init__(self, url, env, processes, log_dir):
        self.url = url
        self.api = f"{url}/api/v1"
        self.env = env
        self.processes = processes
        self.log_dir = log_dir

    def logs(self):
        text = []
        for name in sorted(os.listdir(self.log_dir)):
            with open(os.path.join(self.log_dir, name), errors="replace") as handle:
                text.append(f"--- {name}\n{handle.read()[-4000:]}")
        return "\n".join(text)


def start_stack(vhost_uri, mongo_uri, auth_secret, services):
    port = free_port()
    log_dir = tempfile.mkdtemp(prefix="qh-e2e-logs-")
    env = os.environ.copy()
    env.update({
        "AMQP_URI": vhost_uri, "MONGO_URI": mongo_uri, "AUTH_SECRET": auth_secret,
        "MONGO_DB_PREFIX": f"e2e{free_port()}_", "GATEWAY_PORT": str(port),
        "OUTBOX_POLL_INTERVAL": "0.2", "EVENT_RETRY_DELAYS": "0.2,0.5,1", "LOG_LEVEL": "INFO",
    })
    processes = devstack.start_services(services, env, log_dir)
    stack = Stack(f"http://127.0.0.1:{port}", env, processes, log_dir)
    return stack


@pytest.fixture(scope="session")
def stack(request, vhost_pipeline, mongo_uri, auth_secret):
    with vhost_pipeline.get() as vhost:
        base = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
        amqp = f"{base.scheme}://{base.netloc}/{vhost}"
        running = start_stack(amqp, mongo_uri, auth_secret, devstack.SERVICES)
        try:
            if not devstack.wait_healthy(running.url, 90, running.processes):
                pytest.fail("stack did not become healthy:\n" + running.logs())
            yield running
        finally:
            devstack.stop_processes(running.processes)
            shutil.rmtree(running.log_dir, ignore_errors=True)


@pytest.fixture
def http():
    session = requests.Session()
    yield session
    session.close()
