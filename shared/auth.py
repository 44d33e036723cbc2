"""Passwords, signed tokens and the caller's identity inside services.

The gateway never decides who may do what. It forwards the caller's signed
token in the RPC context data (``auth_token``); each service verifies the
signature itself with the shared ``AUTH_SECRET`` and applies its own rules.
"""
from dataclasses import asdict, dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from nameko.extensions import DependencyProvider

from shared.errors import NotAuthenticated, PermissionDenied

TOKEN_KEY = "auth_token"
ROLES = ("organiser", "enterprise", "judge")
DEFAULT_TOKEN_TTL = 12 * 3600

_hasher = PasswordHasher()


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Identity:
    user_id: str
    role: str
    name: str = ""
    enterprise_id: str | None = None
    judge_id: str | None = None

    def to_claims(self):
        return {key: value for key, value in asdict(self).items() if value is not None}


class TokenSigner:
    def __init__(self, secret, ttl_seconds=DEFAULT_TOKEN_TTL):
        if not secret:
            raise ValueError("AUTH_SECRET is empty")
        self._serializer = URLSafeTimedSerializer(secret, salt="qh-quality-auth")
        self.ttl_seconds = ttl_seconds

    def issue(self, identity):
        return self._serializer.dumps(identity.to_claims())

    def verify(self, token):
        try:
            claims = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired:
            raise NotAuthenticated("登录已过期 / the session has expired")
        except BadSignature:
            raise NotAuthenticated("无效的凭证 / invalid credentials")
        if claims.get("role") not in ROLES:
            raise NotAuthenticated("无效的凭证 / invalid credentials")
        return Identity(**claims)


def signer_from_config(config):
    return TokenSigner(config["AUTH_SECRET"], int(config.get("AUTH_TOKEN_TTL", DEFAULT_TOKEN_TTL)))


class Caller:
    """What a service knows about who is calling this worker."""

    def __init__(self, token, signer):
        self._token = token
        self._signer = signer
        self._identity = None

    @property
    def identity(self):
        """The verified identity, or None for an anonymous call."""
        if self._identity is None and self._token:
            self._identity = self._signer.verify(self._token)
        return self._identity

    def require(self, *roles):
        """Return the identity, refusing anonymous callers and other roles."""
        identity = self.identity
        if identity is None:
            raise NotAuthenticated("需要登录 / authentication required")
        if roles and identity.role not in roles:
            raise PermissionDenied(f"无权执行此操作 / not permitted for role {identity.role}")
        return identity


class CallerIdentity(DependencyProvider):
    """Injects a ``Caller`` built from the worker's context data."""

    def setup(self):
        self.signer = signer_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return Caller(worker_ctx.data.get(TOKEN_KEY), self.signer)
