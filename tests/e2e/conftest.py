"""A whole running stack (every service under ``nameko run`` plus the gateway),
on this test session's own vhost, databases and port."""
import os
import shutil
import tempfile
import uuid
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
        # Tests play distinct clients through X-Forwarded-For, so that login throttling by
        # address in one test does not lock out 127.0.0.1 for the rest of the session.
        "TRUSTED_PROXIES": "127.0.0.1",
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
def organiser_account(stack):
    """A fresh organiser (created as `make admin` does): (email, password)."""
    from services.accounts.cli import create_organiser
    from services.accounts.repository import AccountsRepository
    from shared.config import load_config, service_config_path
    from shared.mongo import make_client

    config = load_config(service_config_path("accounts"), env=stack.env)
    client = make_client(config["MONGO_URI"])
    try:
        repository = AccountsRepository(client, client[config["MONGO_DATABASE"]])
        email, password = f"organiser{uuid.uuid4().hex[:8]}@qh.gov.cn", "organiser-pass-1"
        create_organiser(repository, email, "省市场监管局", password)
    finally:
        client.close()
    return email, password


# -- the browser: Debian's chromium, driven by Playwright (never `playwright install`) -------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "test-output", "screenshots")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run deploy/system-deps.sh (make test does)")
    manager = sync_playwright()
    playwright = manager.start()
    # launch() gives chromium a fresh temporary --user-data-dir (Playwright refuses one in
    # args); each test then gets its own context (cookies, storage) below.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        # Playwright's own stop() waits for its driver process through asyncio's child
        # watcher, which never fires under eventlet's monkey-patching (the test process
        # runs nameko): end the driver directly instead.
        manager._client._transport._proc.kill()


@pytest.fixture
def page(browser, stack, request):
    context = browser.new_context(base_url=stack.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # the page as it was when the test failed
        screenshot(tab, f"failed-{request.node.name}")
        with open(os.path.join(SCREENSHOTS, f"failed-{request.node.name}.html"), "w") as handle:
            handle.write(tab.content())
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def screenshot(page, name):
    """Save the journey's final page as test-output/screenshots/<name>.png."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def http():
    session = requests.Session()
    yield session
    session.close()
