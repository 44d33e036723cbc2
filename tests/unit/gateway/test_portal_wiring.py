"""The portal's wiring without a running stack: routes, catalogues, templates, helpers."""
import os

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.openapi import http_routes
from services.gateway.portal import i18n
from services.gateway.portal.entrypoint import PageEntrypoint, PortalState, render, safe_next, url_with
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.session import CsrfSigner
from services.gateway.service import GatewayService
from shared.auth import Identity
from shared.errors import ValidationFailed


def test_no_two_gateway_mixins_define_the_same_entrypoint_name():
    # A page named like an API route would silently replace it (or be replaced) in the MRO.
    seen = {}
    for base in GatewayService.__mro__[1:]:
        for name, value in vars(base).items():
            if getattr(value, "nameko_entrypoints", None):
                assert name not in seen, f"{name} is defined by {seen[name]} and {base.__name__}"
                seen[name] = base.__name__


def test_every_page_route_is_reachable_and_not_in_the_api():
    pages = [
        (name, ep) for name in dir(GatewayService)
        for ep in getattr(getattr(GatewayService, name), "nameko_entrypoints", ())
        if isinstance(ep, PageEntrypoint)
    ]
    urls = {(ep.method, ep.url) for _, ep in pages}
    assert {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/register"),
            ("GET", "/inbox"), ("GET", "/organiser/enterprises"), ("GET", "/enterprise")} <= urls
    assert all(not ep.url.startswith("/api/") for _, ep in pages)
    assert not [url for _, url, _ in http_routes(GatewayService) if not url.startswith("/api/")]


def _catalogue(locale):
    with open(f"{i18n.TRANSLATIONS_DIR}/{i18n.LOCALES[locale]}/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def test_every_message_in_the_portal_has_a_chinese_translation():
    extracted = set()
    method_map = [("services/gateway/portal/**.py", "python"), ("services/gateway/templates/portal/**.html", "jinja2")]
    options = {"services/gateway/templates/portal/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for _, _, message, _, _ in extract_from_dir(root, method_map, options_map=options):
        extracted.add(message if isinstance(message, str) else message[0])
    zh = _catalogue("zh-CN")
    missing = sorted(m for m in extracted if not (zh.get(m) and zh.get(m).string))
    assert not missing, f"untranslated in zh_CN (run `make messages`, then translate): {missing}"
    assert sorted(m for m in extracted if m not in _catalogue("en")) == []


def _request(path="/x", locale="zh-CN", identity=None, query=""):
    request = Request(EnvironBuilder(path=path, query_string=query).get_environ())
    request.portal = PortalState(locale=locale, identity=identity, token=None, session_key="k", csrf_token="t")
    return request


@pytest.mark.parametrize("locale", list(i18n.LOCALES))
def test_every_template_compiles_and_the_layout_renders_per_role(locale):
    env = i18n.environment(locale)
    for name in env.list_templates():
        env.get_template(name)
    for role in ("enterprise", "judge", "organiser"):
        html = render(_request(locale=locale, identity=Identity("u", role, name="<b>名</b>")),
                      "portal/error.html", status_code=404, title="Page not found", message=None)
        text = html.get_data(as_text=True)
        assert "&lt;b&gt;名&lt;/b&gt;" in text  # autoescaped
        assert ("Coming soon" if locale == "en" else "即将开放") in text


def test_service_messages_pick_the_page_language():
    assert i18n.bilingual("用户名或密码错误 / wrong username or password", "en") == "wrong username or password"
    assert i18n.bilingual("用户名或密码错误 / wrong username or password", "zh-CN") == "用户名或密码错误"
    assert i18n.bilingual("plain", "en") == "plain"
    assert i18n.normalise_locale("en-US") == "en" and i18n.normalise_locale("zh_CN") == "zh-CN"
    assert i18n.normalise_locale("fr") is None


def test_csrf_tokens_are_tied_to_their_session():
    signer = CsrfSigner("secret")
    token = signer.issue("session-a")
    assert signer.valid("session-a", token)
    assert not signer.valid("session-b", token)
    assert not signer.valid("session-a", token + "x")
    assert not CsrfSigner("other-secret").valid("session-a", token)
    assert not signer.valid("session-a", None)


def test_only_same_site_paths_are_followed_after_login():
    assert safe_next("/organiser/enterprises?q=1") == "/organiser/enterprises?q=1"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None):
        assert safe_next(hostile, "/home") == "/home"


def test_url_with_keeps_filters_and_drops_the_language_switch():
    request = _request("/organiser/enterprises", query="q=盐&division_code=632800&page=2&lang=en")
    assert url_with(request, page=3) == "/organiser/enterprises?q=%E7%9B%90&division_code=632800&page=3"
    assert url_with(request, page=None, q=None) == "/organiser/enterprises?division_code=632800"


def test_form_keeps_values_but_never_passwords_and_flattens_errors():
    body = "name=+A+&password=secret&size=&expertise=C&expertise=D&csrf_token=t"
    request = Request(EnvironBuilder(method="POST", data=body,
                                     content_type="application/x-www-form-urlencoded").get_environ())
    values = form_values(request, lists=("expertise",))
    assert values == {"name": "A", "password": "secret", "expertise": ["C", "D"]}
    form = Form(values, ValidationFailed("bad / bad", {"name": ["too short"], "_schema": {"x": ["odd"]}}))
    assert form.value("password") == "" and form.value("name") == "A"
    assert form.errors("name") == ["too short"] and form.other_errors(("name",)) == ["odd"]
