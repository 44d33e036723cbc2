"""gateway: HTTP ↔ RPC. No data and no business rules.

Each route parses the request, forwards the caller's token and correlation id
(``shared.http`` puts them in the context data) and returns what the owning
service answers. Authorisation happens in the services.
"""
import eventlet
from nameko.rpc import RpcProxy

from services.accounts.schemas import (
    EnterpriseSchema,
    JudgeSchema,
    LoginSchema,
    PageSchema,
    RegisterEnterpriseSchema,
    RegisterJudgeSchema,
    TokenSchema,
)
from services.gateway.openapi import build_spec, documented
from services.gateway.schemas import HealthSchema
from services.notifications.schemas import InboxQuerySchema, InboxSchema
from shared.http import http, json_response, parse_json
from shared.logging import CorrelationTracker

HEALTH_TIMEOUT = 3.0
BACKEND_SERVICES = ("accounts", "notifications")


def query_args(request):
    """Query parameters as a plain dict (first value of each)."""
    return {key: request.args.get(key) for key in request.args.keys()}


def preferred_locale(request):
    explicit = request.args.get("locale")
    if explicit:
        return explicit
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"


class GatewayService:
    name = "gateway"

    accounts = RpcProxy("accounts")
    notifications = RpcProxy("notifications")
    correlation = CorrelationTracker()

    _openapi = None

    # -- platform --------------------------------------------------------------

    @http("GET", "/api/v1/health")
    @documented("平台健康检查 / health of every service's broker and store link", "platform",
                response=HealthSchema, auth=False, errors=())
    def health(self, request):
        calls = {name: getattr(self, name).health.call_async() for name in BACKEND_SERVICES}
        services, healthy = {}, True
        for name, reply in calls.items():
            try:
                with eventlet.Timeout(HEALTH_TIMEOUT):
                    answer = reply.result()
                services[name] = {"status": "ok", "store": answer.get("store", "ok")}
            except eventlet.Timeout:
                healthy = False
                services[name] = {"status": "unavailable", "detail": "no answer over the broker"}
            except Exception as exc:  # the service answered, but its store did not
                healthy = False
                services[name] = {"status": "degraded", "detail": type(exc).__name__}
        body = {"status": "ok" if healthy else "unavailable", "services": services}
        return (200 if healthy else 503), body

    @http("GET", "/api/v1/openapi.json")
    @documented("OpenAPI 3 文档 / this API's OpenAPI document", "platform", auth=False, errors=())
    def openapi(self, request):
        if GatewayService._openapi is None:
            GatewayService._openapi = build_spec(GatewayService)
        return json_response(GatewayService._openapi)

    # -- accounts --------------------------------------------------------------

    @http("POST", "/api/v1/enterprises")
    @documented("企业注册 / register an enterprise and its first user", "accounts",
                request=RegisterEnterpriseSchema, response=EnterpriseSchema, status=201,
                auth=False, errors=("400", "409"))
    def register_enterprise(self, request):
        result = self.accounts.register_enterprise(parse_json(request))
        return 201, result

    @http("GET", "/api/v1/enterprises")
    @documented("企业名录 / list enterprises (organisers)", "accounts", query=PageSchema)
    def list_enterprises(self, request):
        return self.accounts.list_enterprises(query_args(request))

    @http("GET", "/api/v1/enterprises/<enterprise_id>")
    @documented("企业详情 / one enterprise", "accounts", response=EnterpriseSchema, errors=("404",))
    def get_enterprise(self, request, enterprise_id):
        return self.accounts.get_enterprise(enterprise_id)

    @http("POST", "/api/v1/auth/login")
    @documented("登录 / exchange username and password for a bearer token", "accounts",
                request=LoginSchema, response=TokenSchema, auth=False, errors=("400", "401"))
    def login(self, request):
        return self.accounts.login(parse_json(request))

    @http("GET", "/api/v1/me")
    @documented("当前用户 / the signed-in user", "accounts", errors=("404",))
    def me(self, request):
        return self.accounts.get_me()

    @http("POST", "/api/v1/judges")
    @documented("登记评审专家 / register a judge (organisers)", "accounts",
                request=RegisterJudgeSchema, response=JudgeSchema, status=201, errors=("400", "409"))
    def register_judge(self, request):
        return 201, self.accounts.register_judge(parse_json(request))

    @http("GET", "/api/v1/judges")
    @documented("评审专家名单 / list judges (organisers)", "accounts", response=JudgeSchema(many=True))
    def list_judges(self, request):
        return self.accounts.list_judges()

    # -- notifications -----------------------------------------------------------

    @http("GET", "/api/v1/me/inbox")
    @documented("站内消息 / my inbox, newest first", "notifications",
                query=InboxQuerySchema, response=InboxSchema)
    def inbox(self, request):
        query = query_args(request)
        query["locale"] = preferred_locale(request)
        return self.notifications.list_inbox(query)

    @http("POST", "/api/v1/me/inbox/<message_id>/read")
    @documented("标记已读 / mark a message read", "notifications", errors=("404",))
    def mark_read(self, request, message_id):
        return self.notifications.mark_read(message_id)
