"""OpenAPI 3 document generated from the gateway's routes and the services' schemas.

Each HTTP entrypoint carries its documentation through ``documented``; the
spec builder walks the service class, so a route cannot exist undocumented.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.web.handlers import HttpRequestHandler

from services.gateway.schemas import ErrorSchema

_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
ERROR_STATUSES = {
    "400": "字段校验失败 / invalid fields",
    "401": "未登录 / not authenticated",
    "403": "无权限 / forbidden",
    "404": "不存在 / not found",
    "409": "冲突或重复 / conflict",
    "422": "业务规则拒绝 / refused by a rule",
    "429": "尝试次数过多 / too many attempts",
}


def documented(summary, tag, request=None, response=None, status=200, auth=True,
               query=None, errors=("400",), description=None):
    def attach(fn):
        fn.openapi = {
            "summary": summary, "tag": tag, "request": request, "response": response,
            "status": status, "auth": auth, "query": query, "errors": errors,
            "description": description,
        }
        return fn

    return attach


def http_routes(service_cls):
    """(method, url, function) for every HTTP entrypoint on the class."""
    routes = []
    for name in sorted(dir(service_cls)):
        fn = getattr(service_cls, name)
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            # Portal pages (``in_api = False``) are HTML, not part of the API contract.
            if isinstance(entrypoint, HttpRequestHandler) and getattr(entrypoint, "in_api", True):
                for method in entrypoint.method.split(","):
                    routes.append((method.strip().upper(), entrypoint.url, fn))
    return routes


def openapi_path(url):
    return _PATH_PARAM.sub(r"{\1}", url)


def _schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema") or cls.__name__


def build_spec(service_cls, title="青海省质量工作平台 API / Qinghai Quality Platform API", version="1.0.0"):
    spec = APISpec(title=title, version=version, openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths = {}
    for method, url, fn in http_routes(service_cls):
        doc = getattr(fn, "openapi", None)
        if doc is None:
            raise ValueError(f"route {method} {url} ({fn.__name__}) is not documented")
        path = openapi_path(url)
        operation = {
            "operationId": fn.__name__,
            "summary": doc["summary"],
            "tags": [doc["tag"]],
            "responses": {},
        }
        if doc["description"]:
            operation["description"] = doc["description"]
        parameters = [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(url)
        ]
        if doc["query"] is not None:
            parameters.append({"in": "query", "schema": doc["query"]})
        if parameters:
            operation["parameters"] = parameters
        if doc["request"] is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": doc["request"]}},
            }
        success = {"description": "OK"}
        if doc["response"] is not None:
            success["content"] = {"application/json": {"schema": doc["response"]}}
        operation["responses"][str(doc["status"])] = success
        errors = list(doc["errors"])
        if doc["auth"]:
            operation["security"] = [{"bearer": []}]
            errors += ["401", "403"]
        for code in sorted(set(errors)):
            operation["responses"][code] = {
                "description": ERROR_STATUSES[code],
                "content": {"application/json": {"schema": "Error"}},
            }
        paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
