"""The gateway's JSON HTTP entrypoint and its one error envelope.

Every failure leaves as ``{"error": code, "message": text, "fields": {...}}``
with the status of the ``DomainError`` a service raised (400, 401, 403, 404,
409, 422), 400 for malformed JSON, and 500 (without internals) otherwise.
The entrypoint also starts the identity and correlation trail: the bearer
token and an ``X-Request-ID`` go into the worker's context data, from where
nameko forwards them with every RPC.
"""
import json
import logging
from functools import partial

from eventlet.event import Event
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from shared.auth import TOKEN_KEY
from shared.errors import DomainError, ValidationFailed
from shared.logging import CORRELATION_KEY, new_correlation_id

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"
REQUEST_ID_HEADER = "X-Request-ID"
API_PREFIX = "/api/"


def json_response(payload, status=200, headers=None):
    body = json.dumps(payload, ensure_ascii=False, default=str)
    response = Response(body, status=status, headers=headers, content_type=JSON_TYPE)
    return response


def error_response(status, code, message, fields=None, headers=None):
    return json_response(
        {"error": code, "message": message, "fields": fields or {}}, status, headers
    )


def parse_json(request, required=True):
    """The request body as a dict, or a 400 naming the problem."""
    raw = request.get_data(cache=True)
    if not raw:
        if required:
            raise ValidationFailed("请求体不能为空 / a JSON body is required", {"_body": ["required"]})
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("请求体不是合法的 JSON / malformed JSON", {"_body": [str(exc)]})
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是 JSON 对象 / body must be a JSON object", {"_body": ["not an object"]})
    return data


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def client_address(request, trusted_proxies=()):
    """The client's address: the connection's peer, or, when that peer is one of our own
    trusted proxies, the address it appended last to ``X-Forwarded-For`` (a client can
    write anything to the header's earlier entries)."""
    peer = request.remote_addr
    forwarded = request.headers.get("X-Forwarded-For", "")
    if peer in trusted_proxies and forwarded:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return peer


def trusted_proxies(config):
    """``TRUSTED_PROXIES`` (comma-separated addresses) from a service's config."""
    return tuple(part.strip() for part in str(config.get("TRUSTED_PROXIES") or "").split(",") if part.strip())


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, but routing errors (404, 405) use the JSON envelope under
    ``/api/``; elsewhere a provider offering ``routing_error_response`` (the portal's
    page entrypoint) renders them, e.g. as an HTML page."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = self.routing_error(request, exc)
            if getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response(environ, start_response)

    def routing_error(self, request, exc):
        if not request.path.startswith(API_PREFIX):
            for provider in self.server._providers:
                render = getattr(provider, "routing_error_response", None)
                if render is not None:
                    return render(request, exc)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.code, "http_error")
        return error_response(exc.code or 500, code, exc.description or exc.name)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


class JsonHttpEntrypoint(HttpRequestHandler):
    server = JsonWebServer()

    def handle_request(self, request):
        request.shallow = False
        try:
            context_data = context_data_from_request(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            done = Event()
            self.container.spawn_worker(
                self, args, kwargs, context_data=context_data,
                handle_result=partial(self.handle_result, done),
            )
            response = self.response_from_result(done.wait())
        except Exception as exc:
            response = self.response_from_exception(exc)
        correlation_id = request.environ.get("qh.correlation_id")
        if correlation_id:
            response.headers[REQUEST_ID_HEADER] = correlation_id
        return response

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            status, payload = result
            return json_response(payload, status)
        return json_response(result)

    def response_from_exception(self, exc):
        if isinstance(exc, DomainError):
            return error_response(exc.http_status, exc.code, exc.message, exc.fields)
        if isinstance(exc, HTTPException):
            return error_response(exc.code or 500, "http_error", exc.description or exc.name)
        if isinstance(exc, RemoteError):
            log.error("remote error: %s", exc)
        else:
            log.error("unhandled error in %s: %r", self.method_name, exc, exc_info=exc)
        return error_response(500, "internal_error", "服务器内部错误 / internal error")


def context_data_from_request(request):
    correlation_id = request.headers.get(REQUEST_ID_HEADER) or new_correlation_id()
    # Keep it header-safe and short; a client may send anything here.
    correlation_id = "".join(ch for ch in correlation_id if ch.isalnum() or ch in "-_.")[:64] or new_correlation_id()
    request.environ["qh.correlation_id"] = correlation_id
    data = {CORRELATION_KEY: correlation_id}
    token = bearer_token(request)
    if token:
        data[TOKEN_KEY] = token
    return data


http = JsonHttpEntrypoint.decorator
