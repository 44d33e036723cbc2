"""The portal at the HTTP level: redirects, cookie flags, CSRF, login throttling, languages."""
import re
import uuid

import pytest
import requests

from tests.factories import enterprise_body

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def client_ip():
    """A distinct client address per test (the stack trusts 127.0.0.1's X-Forwarded-For)."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


@pytest.fixture
def browser_like():
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client_ip()
    yield session
    session.close()


def csrf_from(response):
    match = CSRF.search(response.text)
    assert match, response.text[:500]
    return match.group(1)


def registered(stack):
    body = enterprise_body()
    assert requests.post(f"{stack.api}/enterprises", json=body).status_code == 201
    return body


def sign_in(session, stack, username, password):
    token = csrf_from(session.get(f"{stack.url}/login"))
    return session.post(f"{stack.url}/login", data={"csrf_token": token, "username": username,
                                                     "password": password}, allow_redirects=False)


def test_a_signed_out_visitor_is_sent_to_login(browser_like, stack):
    response = browser_like.get(f"{stack.url}/", allow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/login")
    deep = browser_like.get(f"{stack.url}/organiser/enterprises?q=x", allow_redirects=False)
    assert deep.headers["Location"].endswith("/login?next=/organiser/enterprises%3Fq%3Dx")
    page = browser_like.get(f"{stack.url}/login")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "登录" in page.text and 'lang="zh-CN"' in page.text


def test_session_cookie_flags_plain_and_behind_tls(browser_like, stack):
    body = registered(stack)
    response = sign_in(browser_like, stack, body["contact_email"], body["password"])
    assert response.status_code == 303 and response.headers["Location"] == "/enterprise"
    cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("qh_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here, so a Secure cookie would never come back

    # Behind a TLS-terminating proxy: every cookie is Secure. (requests would not send a Secure
    # cookie back over plain HTTP, so the anonymous cookie is passed on by hand.)
    behind_tls = {"X-Forwarded-For": client_ip(), "X-Forwarded-Proto": "https"}
    form = requests.get(f"{stack.url}/login", headers=behind_tls)
    anon = next(c for c in form.raw.headers.getlist("Set-Cookie") if c.startswith("qh_anon="))
    assert "Secure" in anon and "HttpOnly" in anon and "SameSite=Lax" in anon
    response = requests.post(
        f"{stack.url}/login", allow_redirects=False,
        headers={**behind_tls, "Cookie": anon.split(";")[0]},
        data={"csrf_token": csrf_from(form), "username": body["contact_email"], "password": body["password"]},
    )
    assert response.status_code == 303
    cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("qh_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The cookie carries the same signed token the API accepts as a bearer token.
    token = cookie.split(";")[0].split("=", 1)[1]
    me = requests.get(f"{stack.api}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user"]["username"] == body["contact_email"]


def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(browser_like, stack):
    body = registered(stack)
    assert sign_in(browser_like, stack, body["contact_email"], body["password"]).status_code == 303
    form = {"current_password": body["password"], "new_password": "brand-new-pass-1"}

    missing = browser_like.post(f"{stack.url}/account/password", data=form)
    assert missing.status_code == 403 and "text/html" in missing.headers["Content-Type"]
    # A token from another session (a fresh visitor's) is refused too.
    foreign = csrf_from(requests.get(f"{stack.url}/login", headers={"X-Forwarded-For": client_ip()}))
    assert browser_like.post(f"{stack.url}/account/password", data={**form, "csrf_token": foreign}).status_code == 403
    assert browser_like.post(f"{stack.url}/account/password",
                             data={**form, "csrf_token": "forged.token"}).status_code == 403
    # Nothing changed: the old password still works, the new one does not.
    login = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": client_ip()},
                          json={"username": body["contact_email"], "password": body["password"]})
    assert login.status_code == 200

    # With the page's own token the same change goes through.
    token = csrf_from(browser_like.get(f"{stack.url}/account/password"))
    done = browser_like.post(f"{stack.url}/account/password", data={**form, "csrf_token": token})
    assert done.status_code == 200 and 'id="password-changed"' in done.text
    login = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": client_ip()},
                          json={"username": body["contact_email"], "password": "brand-new-pass-1"})
    assert login.status_code == 200


def test_logout_needs_the_token_of_a_live_session(browser_like, stack):
    body = registered(stack)
    sign_in(browser_like, stack, body["contact_email"], body["password"])
    assert browser_like.post(f"{stack.url}/logout", allow_redirects=False).status_code == 403
    assert browser_like.get(f"{stack.url}/enterprise").status_code == 200  # still signed in
    token = csrf_from(browser_like.get(f"{stack.url}/enterprise"))
    out = browser_like.post(f"{stack.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 303 and out.headers["Location"] == "/login"
    assert browser_like.get(f"{stack.url}/enterprise", allow_redirects=False).status_code == 303
    # Signed out (or expired), there is nothing to protect: logging out again just goes to /login.
    assert browser_like.post(f"{stack.url}/logout", allow_redirects=False).status_code == 303


def test_login_form_without_csrf_is_refused(browser_like, stack):
    body = registered(stack)
    browser_like.get(f"{stack.url}/login")
    response = browser_like.post(f"{stack.url}/login", allow_redirects=False,
                                 data={"username": body["contact_email"], "password": body["password"]})
    assert response.status_code == 403 and "qh_session" not in response.headers.get("Set-Cookie", "")


def test_five_failures_per_account_then_a_clear_message(stack):
    body = registered(stack)
    for _ in range(5):  # each from a different address: the account's count is what locks
        session = requests.Session()
        session.headers["X-Forwarded-For"] = client_ip()
        response = sign_in(session, stack, body["contact_email"], "wrong-password")
        assert response.status_code == 401 and "用户名或密码错误" in response.text
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client_ip()
    locked = sign_in(session, stack, body["contact_email"], body["password"])
    assert locked.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in locked.text
    # The API login is the same rule in the same service.
    api = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": client_ip()},
                        json={"username": body["contact_email"], "password": body["password"]})
    assert api.status_code == 429 and api.json()["error"] == "too_many_attempts"


def test_five_failures_per_address_lock_that_address(stack):
    victim = registered(stack)
    address = client_ip()
    for n in range(5):
        response = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": address},
                                 json={"username": f"guess{n}@example.cn", "password": "nope-nope"})
        assert response.status_code == 401
    # A client's own client_address in the body is ignored: the gateway sets it.
    same = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": address},
                         json={"username": victim["contact_email"], "password": victim["password"],
                               "client_address": "192.0.2.200"})
    assert same.status_code == 429
    other = requests.post(f"{stack.api}/auth/login", headers={"X-Forwarded-For": client_ip()},
                          json={"username": victim["contact_email"], "password": victim["password"]})
    assert other.status_code == 200


def test_language_switch_by_parameter_and_cookie(browser_like, stack):
    english = browser_like.get(f"{stack.url}/login?lang=en")
    assert "Sign in" in english.text and "登录" not in english.text and 'lang="en"' in english.text
    assert any(c.startswith("qh_lang=en") for c in english.raw.headers.getlist("Set-Cookie"))
    again = browser_like.get(f"{stack.url}/register")  # the cookie keeps the choice
    assert "Register your enterprise" in again.text and "Unified social credit code" in again.text
    chinese = browser_like.get(f"{stack.url}/register?lang=zh-CN")
    assert "企业注册" in chinese.text and "统一社会信用代码" in chinese.text


def test_roles_are_checked_per_page(browser_like, stack):
    body = registered(stack)
    sign_in(browser_like, stack, body["contact_email"], body["password"])
    refused = browser_like.get(f"{stack.url}/organiser/enterprises")
    assert refused.status_code == 403 and "您无权访问此页面" in refused.text
    assert browser_like.get(f"{stack.url}/enterprise").status_code == 200


def test_html_errors_for_pages_json_errors_for_the_api(browser_like, stack):
    page = browser_like.get(f"{stack.url}/no-such-page")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "页面不存在" in page.text
    wrong_method = browser_like.get(f"{stack.url}/logout")
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["Content-Type"]
    api = browser_like.get(f"{stack.api}/no-such-route")
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_assets_are_served_locally_with_a_strict_policy(browser_like, stack):
    script = browser_like.get(f"{stack.url}/static/uscc.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    chart = browser_like.get(f"{stack.url}/static/vendor/chart.js-4.6.1/chart.umd.min.js")
    assert chart.status_code == 200 and len(chart.content) > 100_000
    assert browser_like.get(f"{stack.url}/static/../service.py").status_code == 404
    page = browser_like.get(f"{stack.url}/login")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "http://" not in page.text and "https://" not in page.text  # nothing from elsewhere
