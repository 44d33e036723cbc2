"""The browser's session: the signed token in a cookie, CSRF tokens, the language cookie.

The session cookie holds the same signed token ``accounts.login`` gives API clients; the
services verify it on every RPC, so the portal adds no second notion of who is signed in.
A visitor who is not signed in gets a random ``qh_anon`` cookie, so the login and
registration forms have a session to tie their CSRF token to as well.
"""
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shared.errors import NotAuthenticated

SESSION_COOKIE = "qh_session"
ANON_COOKIE = "qh_anon"
LANG_COOKIE = "qh_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE = 12 * 3600
LANG_MAX_AGE = 365 * 24 * 3600


def request_is_secure(request):
    """TLS at our socket, or at the proxy in front of us (X-Forwarded-Proto)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.scheme == "https" or forwarded == "https"


def set_cookie(response, request, name, value, max_age=None, http_only=True):
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=http_only, samesite="Lax",
        secure=request_is_secure(request),
    )


def clear_cookie(response, request, name):
    response.delete_cookie(name, path="/", httponly=True, samesite="Lax", secure=request_is_secure(request))


def new_anonymous_key():
    return secrets.token_urlsafe(24)


class CsrfSigner:
    """CSRF tokens: a signed digest of the session key (the token, or the anonymous key)."""

    def __init__(self, secret):
        self._serializer = URLSafeTimedSerializer(secret, salt="qh-portal-csrf")

    @staticmethod
    def _digest(session_key):
        return hashlib.sha256(session_key.encode()).hexdigest()[:32]

    def issue(self, session_key):
        return self._serializer.dumps(self._digest(session_key))

    def valid(self, session_key, token):
        if not session_key or not token:
            return False
        try:
            digest = self._serializer.loads(token, max_age=CSRF_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return False
        return isinstance(digest, str) and hmac.compare_digest(digest, self._digest(session_key))


def identity_from_cookie(signer, token):
    """The identity in a session cookie, or None when absent, forged or expired."""
    if not token:
        return None
    try:
        return signer.verify(token)
    except NotAuthenticated:
        return None
