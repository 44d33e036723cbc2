"""``@page``: the portal's HTML entrypoint, on the gateway's one HTTP server.

Before a page's worker runs, the entrypoint (in the server's greenthread) works out the
locale, reads the session cookie, refuses a POST without a valid CSRF token (403, the
worker never runs, so nothing changes), and sends signed-out visitors to ``/login`` and
other roles to a 403 page. The session's token goes into the worker's context data, so the
page's RPCs carry it exactly as an API request's bearer token would. Domain errors a page
does not handle itself become HTML error pages (401 → the login page).
"""
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

from eventlet.event import Event
from werkzeug.wrappers import Response

from services.gateway.portal import i18n, nav, session
from shared.auth import TOKEN_KEY, signer_from_config
from shared.errors import DomainError, NotAuthenticated
from shared.http import REQUEST_ID_HEADER, JsonHttpEntrypoint, context_data_from_request
from shared.logging import CORRELATION_KEY

HTML_TYPE = "text/html; charset=utf-8"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Everything the portal uses is served by the gateway itself.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
}
ERROR_TITLES = {
    400: i18n.N_("The request was not accepted"),
    403: i18n.N_("You do not have access to this page"),
    404: i18n.N_("Page not found"),
    405: i18n.N_("This page does not accept that request"),
    409: i18n.N_("That conflicts with existing data"),
    422: i18n.N_("That is not allowed right now"),
    429: i18n.N_("Too many attempts"),
    500: i18n.N_("Something went wrong on our side"),
}


@dataclass
class PortalState:
    """What the portal knows about this request, as ``request.portal``."""

    locale: str
    identity: object
    token: str | None
    session_key: str
    csrf_token: str
    new_anon_key: str | None = None
    chosen_locale: str | None = None
    drop_session: bool = False


class PageEntrypoint(JsonHttpEntrypoint):
    in_api = False  # not part of the JSON API or its OpenAPI document

    def __init__(self, method, url, roles=None, public=False, csrf=True, anonymous_session=True, **kwargs):
        self.roles = tuple(roles or ())
        self.public = public
        self.csrf = csrf
        self.anonymous_session = anonymous_session  # static files need none
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.signer = signer_from_config(config)
        self.csrf_signer = session.CsrfSigner(config["AUTH_SECRET"])

    # -- per request ------------------------------------------------------------

    def portal_state(self, request):
        chosen = i18n.normalise_locale(request.args.get("lang"))
        locale = chosen or i18n.normalise_locale(request.cookies.get(session.LANG_COOKIE)) or i18n.DEFAULT_LOCALE
        token = request.cookies.get(session.SESSION_COOKIE)
        identity = session.identity_from_cookie(self.signer, token)
        drop = bool(token) and identity is None
        if identity is None:
            token = None
        new_anon = None
        key = token or request.cookies.get(session.ANON_COOKIE)
        if not key:
            key = new_anon = session.new_anonymous_key()
        return PortalState(
            locale=locale, identity=identity, token=token, session_key=key,
            csrf_token=self.csrf_signer.issue(key), new_anon_key=new_anon,
            chosen_locale=chosen, drop_session=drop,
        )

    def handle_request(self, request):
        request.shallow = False
        request.portal = self.portal_state(request)
        try:
            response = self.refusal(request) or self.run_worker(request)
        except Exception as exc:
            response = self.page_from_exception(request, exc)
        return self.finish(request, response)

    def refusal(self, request):
        """A response instead of running the page, or None to run it."""
        portal = request.portal
        # csrf="signed-in": only a signed-in session has something to protect (logout).
        needs_csrf = self.csrf and (self.csrf != "signed-in" or portal.identity is not None)
        if request.method == "POST" and needs_csrf:
            sent = request.form.get(session.CSRF_FIELD) or request.headers.get(session.CSRF_HEADER)
            if not self.csrf_signer.valid(portal.session_key, sent):
                return error_page(request, 403, i18n.N_(
                    "This form has expired or did not come from this site. Reload the page and try again."))
        if self.public:
            return None
        if portal.identity is None:
            return login_redirect(request)
        if self.roles and portal.identity.role not in self.roles:
            return error_page(request, 403)
        return None

    def run_worker(self, request):
        context_data = context_data_from_request(request)
        context_data.pop(TOKEN_KEY, None)  # pages act with the session's token only
        if request.portal.token:
            context_data[TOKEN_KEY] = request.portal.token
        args, kwargs = self.get_entrypoint_parameters(request)
        self.check_signature(args, kwargs)
        done = Event()
        self.container.spawn_worker(
            self, args, kwargs, context_data=context_data, handle_result=partial(self.handle_result, done),
        )
        result = done.wait()
        if not isinstance(result, Response):
            raise TypeError(f"page {self.method_name} must return a Response")
        return result

    def page_from_exception(self, request, exc):
        if isinstance(exc, NotAuthenticated):
            request.portal.drop_session = bool(request.portal.token)
            return login_redirect(request)
        if isinstance(exc, DomainError):
            return error_page(request, exc.http_status, exc.message)
        return _server_error(self, request, exc)

    def finish(self, request, response):
        portal = request.portal
        if portal.drop_session:
            session.clear_cookie(response, request, session.SESSION_COOKIE)
        if portal.new_anon_key and not portal.token and self.anonymous_session:
            session.set_cookie(response, request, session.ANON_COOKIE, portal.new_anon_key)
        if portal.chosen_locale:
            session.set_cookie(response, request, session.LANG_COOKIE, portal.chosen_locale,
                               max_age=session.LANG_MAX_AGE)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        correlation_id = request.environ.get("qh.correlation_id")
        if correlation_id:
            response.headers[REQUEST_ID_HEADER] = correlation_id
        return response

    def routing_error_response(self, request, exc):
        """404/405 for a path outside ``/api/``: an HTML page (see ``JsonWsgiApp``)."""
        request.portal = self.portal_state(request)
        request.environ.setdefault("qh.correlation_id", context_data_from_request(request)[CORRELATION_KEY])
        return self.finish(request, error_page(request, exc.code or 404))


def _server_error(entrypoint, request, exc):
    # Logged like the JSON API's 500s; the page shows no internals.
    entrypoint.response_from_exception(exc)
    return error_page(request, 500)


page = PageEntrypoint.decorator


# -- rendering ----------------------------------------------------------------------


def render(request, template, status=200, **context):
    """Render ``template`` in the request's locale, with the portal's common context."""
    portal = request.portal
    env = i18n.environment(portal.locale)
    html = env.get_template(template).render(
        portal=portal,
        identity=portal.identity,
        navigation=nav.navigation_for(portal.identity),
        home=nav.home_for(portal.identity),
        csrf_token=portal.csrf_token,
        current_path=request.path,
        url_with=partial(url_with, request),
        **context,
    )
    return Response(html, status=status, content_type=HTML_TYPE)


def redirect(location, status=303):
    return Response("", status=status, headers={"Location": location})


def url_with(request, **changes):
    """This page's URL with some query parameters changed (None removes one)."""
    args = {key: request.args.get(key) for key in request.args.keys() if key != "lang"}
    args.update(changes)
    query = "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in args.items() if v not in (None, ""))
    return request.path + (f"?{query}" if query else "")


def safe_next(target, default="/"):
    """Only same-site paths ("/x", not "//host" or "https://host") are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def login_redirect(request):
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    if target in ("/", "/login"):
        return redirect("/login")
    return redirect("/login?next=" + quote(target, safe="/"))


def error_page(request, status, message=None):
    """An error page. ``message`` is a message id or a service's "中文 / English" text; it is
    translated here, not with ``_()`` in the template, which would mark it safe HTML."""
    title = ERROR_TITLES.get(status, ERROR_TITLES[400 if status < 500 else 500])
    locale = request.portal.locale
    if message:
        message = i18n.bilingual(i18n.translations(locale).gettext(message), locale)
    return render(request, "portal/error.html", status=status, status_code=status, title=title, message=message)
