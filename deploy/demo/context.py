"""What the demo parts share: the API client, credentials and a summary."""
import os
import secrets

import requests

from deploy.devstack import VAR

DEMO_DIR = os.path.join(VAR, "demo")


class ApiError(RuntimeError):
    pass


class DemoContext:
    def __init__(self, base_url):
        self.api = base_url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.summary = []
        self.state = {}
        os.makedirs(DEMO_DIR, exist_ok=True)
        self.password = self._demo_password()

    @staticmethod
    def _demo_password():
        """One generated password for every demo account, kept in var/demo/."""
        path = os.path.join(DEMO_DIR, "password")
        if not os.path.exists(path):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                handle.write("Demo-" + secrets.token_urlsafe(9))
        with open(path) as handle:
            return handle.read().strip()

    def call(self, method, path, token=None, expect=(200, 201), **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.api + path, headers=headers, timeout=120, **kwargs)
        if response.status_code not in expect:
            raise ApiError(f"{method} {path} → {response.status_code}: {response.text[:500]}")
        return response

    def login(self, username, password=None):
        response = self.call("POST", "/auth/login", json={"username": username, "password": password or self.password})
        return response.json()["token"]

    def organiser_token(self):
        if "organiser_token" not in self.state:
            path = os.path.join(VAR, "demo-credentials.txt")
            with open(path) as handle:
                username, password = handle.read().split()
            self.state["organiser_token"] = self.login(username, password)
        return self.state["organiser_token"]

    def report(self, line):
        print(f"[demo] {line}", flush=True)
        self.summary.append(line)
