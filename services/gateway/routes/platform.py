"""Health and the API description."""
import eventlet
from nameko.exceptions import MethodNotFound
from nameko.rpc import RpcProxy

from services.gateway.openapi import build_spec, documented
from services.gateway.routes.common import query_args
from services.gateway.schemas import HealthSchema
from shared.errors import NotFound
from shared.failed_events import FailedEventQuerySchema
from shared.http import http, json_response

HEALTH_TIMEOUT = 3.0


def backend_services(service_cls):
    """Every service the gateway talks to: the targets of its RPC proxies."""
    names = set()
    for attr in dir(service_cls):
        value = getattr(service_cls, attr, None)
        if isinstance(value, RpcProxy):
            names.add(value.target_service)
    return sorted(names)


class PlatformRoutes:
    _openapi = None

    @http("GET", "/api/v1/health")
    @documented("平台健康检查 / health of every service's broker and store link", "platform",
                response=HealthSchema, auth=False, errors=())
    def health(self, request):
        calls, services = {}, {}
        for name in backend_services(type(self)):
            try:
                calls[name] = getattr(self, name).health.call_async()
            except Exception:  # e.g. UnknownService: no instance has ever bound its queue
                services[name] = {"status": "unavailable", "detail": "no instance is listening"}
        for name, reply in calls.items():
            try:
                with eventlet.Timeout(HEALTH_TIMEOUT):
                    answer = reply.result()
                services[name] = {"status": "ok", "store": answer.get("store", "ok")}
            except eventlet.Timeout:
                services[name] = {"status": "unavailable", "detail": "no answer over the broker"}
            except Exception as exc:  # the service answered, but its store did not
                services[name] = {"status": "degraded", "detail": type(exc).__name__}
        healthy = all(state["status"] == "ok" for state in services.values())
        body = {"status": "ok" if healthy else "unavailable", "services": services}
        return (200 if healthy else 503), body

    @http("GET", "/api/v1/openapi.json")
    @documented("OpenAPI 3 文档 / this API's OpenAPI document", "platform", auth=False, errors=())
    def openapi(self, request):
        cls = type(self)
        if cls._openapi is None:
            cls._openapi = build_spec(cls)
        return json_response(cls._openapi)

    @http("GET", "/api/v1/admin/failed-events")
    @documented("失败事件 / events whose handler failed every retry, per service (organisers)", "platform",
                query=FailedEventQuerySchema)
    def list_failed_events(self, request):
        query = query_args(request)
        results = {}
        for name in backend_services(type(self)):
            try:
                results[name] = getattr(self, name).list_failed_events(query)
            except MethodNotFound:  # this service consumes no events
                continue
        return {"services": results, "total": sum(page["total"] for page in results.values())}

    @http("POST", "/api/v1/admin/failed-events/<service>/<failed_event_id>/redeliver")
    @documented("重新投递 / send a failed event to its handler again (organisers)", "platform",
                errors=("404", "422"))
    def redeliver_failed_event(self, request, service, failed_event_id):
        if service not in backend_services(type(self)):
            raise NotFound("服务不存在 / no such service")
        return getattr(self, service).redeliver_failed_event(failed_event_id)
