"""Service configuration: YAML with ``${VAR:default}`` placeholders, environment wins.

nameko's own ``--config`` loader understands the same placeholder syntax, so a
service started with ``nameko run`` and a test container built from
``load_config`` see identical settings.
"""
import os
import re

import yaml

_PLACEHOLDER = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<default>[^}]*))?\}")

# Settings that must never have a default in a config file: they come only from
# the environment, so a checked-in file can never carry a real secret.
SECRET_KEYS = ("AUTH_SECRET", "SMTP_PASSWORD")


class ConfigError(RuntimeError):
    pass


def _substitute(value, env):
    def replace(match):
        name, default = match.group("name"), match.group("default")
        if name in env:
            return env[name]
        if default is None:
            raise ConfigError(f"environment variable {name} is required")
        return default

    return _PLACEHOLDER.sub(replace, value)


def _walk(node, env):
    if isinstance(node, dict):
        return {key: _walk(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(value, env) for value in node]
    if isinstance(node, str):
        text = _substitute(node, env)
        # Re-parse scalars so "${PORT:8000}" becomes an int, as nameko does.
        return yaml.safe_load(text) if text != node and text else text
    return node


def check_no_secret_defaults(raw_text):
    """Refuse a config file that gives a secret a literal value or default."""
    for key in SECRET_KEYS:
        for line in raw_text.splitlines():
            stripped = line.strip()
            if not stripped.startswith(f"{key}:"):
                continue
            value = stripped.split(":", 1)[1].strip()
            if value != f"${{{key}}}":
                raise ConfigError(
                    f"{key} must be read from the environment only: write '{key}: ${{{key}}}'"
                )


def load_config(path, env=None, overrides=None):
    """Load a service's config.yaml, resolve placeholders, then apply overrides."""
    env = os.environ if env is None else env
    with open(path, encoding="utf-8") as handle:
        raw = handle.read()
    check_no_secret_defaults(raw)
    config = _walk(yaml.safe_load(raw) or {}, env)
    config.update(overrides or {})
    return config


def service_config_path(service_name):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(root, "services", service_name, "config.yaml")
