"""Start and stop the platform on one machine, for ``make run`` and the e2e tests.

    python -m deploy.devstack run        # what `make run` does
    python -m deploy.devstack broker     # make sure RabbitMQ (and its management API) answers

Everything it starts is recorded by PID under ``var/run``; a second ``run``
finds those processes alive and starts nothing twice.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VAR = os.path.join(ROOT, "var")
RUN_DIR = os.path.join(VAR, "run")
LOG_DIR = os.path.join(VAR, "log")


def discover_services():
    """Every services/<name> with a service.py and a config.yaml; the gateway last."""
    base = os.path.join(ROOT, "services")
    names = sorted(
        name for name in os.listdir(base)
        if os.path.isfile(os.path.join(base, name, "service.py"))
        and os.path.isfile(os.path.join(base, name, "config.yaml"))
    )
    return tuple(sorted(names, key=lambda name: name == "gateway"))


SERVICES = discover_services()
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MONGO_PORT = 27018


def say(message):
    print(f"[make run] {message}", flush=True)


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def venv_bin(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else (shutil.which(name) or name)


# -- RabbitMQ --------------------------------------------------------------------


def ensure_broker(amqp_uri=DEFAULT_AMQP_URI, management=False):
    parts = urlparse(amqp_uri)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    if not port_open(host, port):
        server = shutil.which("rabbitmq-server")
        if host not in ("127.0.0.1", "localhost") or server is None:
            raise SystemExit(
                f"RabbitMQ does not answer on {host}:{port}.\n"
                "  Install it:  apt-get install -y rabbitmq-server   (then run this again)\n"
                "  or run the whole stack in containers:  make up"
            )
        say("RabbitMQ is installed but stopped; starting it (rabbitmq-server -detached)")
        subprocess.run([server, "-detached"], check=False)
        if not wait_for(lambda: port_open(host, port), 60):
            raise SystemExit("RabbitMQ did not start within 60 s; see /var/log/rabbitmq/")
    if management and not port_open(host, 15672):
        plugins = shutil.which("rabbitmq-plugins")
        if plugins is None:
            raise SystemExit("the RabbitMQ management API (port 15672) is needed by the tests; "
                             "run: rabbitmq-plugins enable rabbitmq_management")
        subprocess.run([plugins, "enable", "rabbitmq_management"], check=True,
                       stdout=subprocess.DEVNULL)
        if not wait_for(lambda: port_open(host, 15672), 30):
            raise SystemExit("the RabbitMQ management API did not come up on port 15672")


# -- the embedded store --------------------------------------------------------------


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except (OSError, TypeError):
        return False
    try:  # a zombie we started ourselves is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def read_pid(name):
    try:
        with open(os.path.join(RUN_DIR, f"{name}.pid")) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def write_pid(name, pid):
    os.makedirs(RUN_DIR, exist_ok=True)
    with open(os.path.join(RUN_DIR, f"{name}.pid"), "w") as handle:
        handle.write(str(pid))


def remove_pid(name):
    try:
        os.remove(os.path.join(RUN_DIR, f"{name}.pid"))
    except OSError:
        pass


def spawn(name, argv, env, log_path):
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    log = open(log_path, "ab")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def start_store(port, storage_path, log_path):
    argv = [venv_bin("secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", storage_path, "--log-level", "WARNING"]
    return spawn("store", argv, os.environ.copy(), log_path)


def mongo_answers(uri):
    from pymongo import MongoClient

    client = MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


# -- services --------------------------------------------------------------------------


def service_argv(name):
    return [venv_bin("nameko"), "run", f"services.{name}.service",
            "--config", os.path.join("services", name, "config.yaml")]


def start_services(names, env, log_dir):
    env = {**env, "PYTHONPATH": ROOT + os.pathsep + env.get("PYTHONPATH", "")}
    return {name: spawn(name, service_argv(name), env, os.path.join(log_dir, f"{name}.log"))
            for name in names}


def health(url, timeout=2.0):
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, ValueError):
        return None, None


def wait_healthy(url, timeout=60.0, processes=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(url)[0] == 200:
            return True
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}")
        time.sleep(0.3)
    return False


def stop_processes(processes, timeout=10.0):
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- make run --------------------------------------------------------------------------


def auth_secret():
    if os.environ.get("AUTH_SECRET"):
        return os.environ["AUTH_SECRET"]
    path = os.path.join(VAR, "auth_secret")
    if not os.path.exists(path):
        os.makedirs(VAR, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    with open(path) as handle:
        return handle.read().strip()


def demo_organiser(env):
    """Create the demo organiser once; its generated password lives in var/."""
    path = os.path.join(VAR, "demo-credentials.txt")
    result = subprocess.run(
        [sys.executable, "-m", "services.accounts.cli", "create-organiser",
         "--email", "organiser@demo.qh.cn", "--name", "演示组织者 Demo organiser", "--generate", "--if-none"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        say(f"could not create the demo organiser: {result.stderr.strip()}")
    for line in result.stdout.splitlines():
        if line.startswith("password: "):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
                handle.write(f"organiser@demo.qh.cn {line.split(': ', 1)[1]}\n")
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read().split()
    return None


def run():
    amqp_uri = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    port = int(os.environ.get("GATEWAY_PORT", "8000"))
    url = f"http://127.0.0.1:{port}"
    ensure_broker(amqp_uri)
    started = {}

    env = os.environ.copy()
    env.update({"AMQP_URI": amqp_uri, "AUTH_SECRET": auth_secret(), "GATEWAY_PORT": str(port),
                "PYTHONPATH": ROOT})
    if not env.get("MONGO_URI"):
        mongo_port = int(os.environ.get("MONGO_PORT", DEFAULT_MONGO_PORT))
        env["MONGO_URI"] = f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true"
        if pid_alive(read_pid("store")) or mongo_answers(env["MONGO_URI"]):
            say(f"store already answering on port {mongo_port}")
        else:
            data = os.path.join(VAR, "mongo")
            os.makedirs(data, exist_ok=True)
            say(f"starting the embedded SecantusDB store on port {mongo_port} (data in var/mongo)")
            started["store"] = start_store(mongo_port, data, os.path.join(LOG_DIR, "store.log"))
            write_pid("store", started["store"].pid)
            if not wait_for(lambda: mongo_answers(env["MONGO_URI"]), 30):
                stop_processes(started)
                raise SystemExit("the store did not answer within 30 s; see var/log/store.log")

    missing = [name for name in SERVICES if not pid_alive(read_pid(name))]
    for name in set(SERVICES) - set(missing):
        say(f"{name} already running (pid {read_pid(name)})")
    if missing:
        say("starting " + ", ".join(missing))
        for name, process in start_services(missing, env, LOG_DIR).items():
            write_pid(name, process.pid)
            started[name] = process

    try:
        if not wait_healthy(url, 60, {k: v for k, v in started.items() if k != "store"}):
            raise RuntimeError("the gateway did not report healthy within 60 s")
    except RuntimeError as error:
        say(f"{error}; logs are in var/log/")
        shutdown(started)
        return 1

    credentials = demo_organiser(env)
    say(f"portal and API:  {url}/   (health: {url}/api/v1/health, OpenAPI: {url}/api/v1/openapi.json)")
    if credentials:
        say(f"demo organiser:  {credentials[0]}  password: {credentials[1]}   (kept in var/demo-credentials.txt)")
    if not started:
        say("everything was already running; nothing new started")
        return 0
    say("logs in var/log/; press Ctrl-C to stop what this command started")

    stopping = []
    # Installed explicitly: a shell that starts us in the background sets
    # SIGINT to "ignore", and Python would then never raise KeyboardInterrupt.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    while not stopping:
        for name, process in started.items():
            if process.poll() is not None:
                say(f"{name} exited with code {process.returncode}; stopping the rest")
                stopping.append(True)
        time.sleep(0.5)
    shutdown(started)
    return 0


def shutdown(started):
    say("stopping " + ", ".join(started))
    # Services first, the store last, so nothing loses its database mid-request.
    services = {k: v for k, v in started.items() if k != "store"}
    stop_processes(services)
    if "store" in started:
        stop_processes({"store": started["store"]})
    for name in started:
        remove_pid(name)


def main(argv):
    command = argv[1] if len(argv) > 1 else "run"
    if command == "run":
        return run()
    if command == "broker":
        ensure_broker(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI), management=True)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
