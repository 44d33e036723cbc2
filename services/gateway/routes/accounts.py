"""Routes owned by the accounts service."""
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from services.accounts.import_file import parse_directory
from services.accounts.schemas import (
    ChangePasswordSchema,
    EnterpriseSchema,
    ImportReportSchema,
    JudgeSchema,
    LoginSchema,
    PageSchema,
    RegisterEnterpriseSchema,
    RegisterJudgeSchema,
    TokenSchema,
)
from services.gateway.openapi import documented
from services.gateway.routes.common import query_args
from shared.audience import AudienceSchema
from shared.errors import ValidationFailed
from shared.http import client_address, http, parse_json, trusted_proxies


class AccountsRoutes:
    accounts = RpcProxy("accounts")
    config = Config()

    @http("POST", "/api/v1/enterprises")
    @documented("企业注册 / register an enterprise and its first user", "accounts",
                request=RegisterEnterpriseSchema, response=EnterpriseSchema, status=201,
                auth=False, errors=("400", "409"))
    def register_enterprise(self, request):
        return 201, self.accounts.register_enterprise(parse_json(request))

    @http("GET", "/api/v1/enterprises")
    @documented("企业名录 / list enterprises (organisers)", "accounts", query=PageSchema)
    def list_enterprises(self, request):
        return self.accounts.list_enterprises(query_args(request))

    @http("POST", "/api/v1/enterprises/import")
    @documented("导入企业名录 / import a directory from CSV or XLSX (organisers)", "accounts",
                response=ImportReportSchema, errors=("400",),
                description="multipart/form-data with a `file` part, or the raw file as the body "
                            "(text/csv or the XLSX type). Good rows are imported; bad rows come back "
                            "in `errors` with their line number. 导入的企业需激活后才能登录.")
    def import_enterprises(self, request):
        upload = request.files.get("file")
        if upload is not None:
            data, filename, content_type = upload.read(), upload.filename or "", upload.mimetype
        else:
            data = request.get_data()
            filename, content_type = request.args.get("filename", ""), request.mimetype
        if not data:
            raise ValidationFailed("请上传文件 / upload a CSV or XLSX file", {"file": ["required"]})
        return self.accounts.import_enterprises(parse_directory(data, filename, content_type))

    @http("POST", "/api/v1/notices/audience-count")
    @documented("受众预览 / how many enterprises an audience reaches (organisers)", "notices",
                request=AudienceSchema, errors=("400",))
    def count_audience(self, request):
        return self.accounts.count_audience(parse_json(request))

    @http("GET", "/api/v1/enterprises/<enterprise_id>")
    @documented("企业详情 / one enterprise", "accounts", response=EnterpriseSchema, errors=("404",))
    def get_enterprise(self, request, enterprise_id):
        return self.accounts.get_enterprise(enterprise_id)

    @http("POST", "/api/v1/auth/login")
    @documented("登录 / exchange username and password for a bearer token", "accounts",
                request=LoginSchema, response=TokenSchema, auth=False, errors=("400", "401", "429"),
                description="5 次失败（按账号或按客户端地址，15 分钟内）后暂时拒绝 / "
                            "after 5 failures per account or per client address within 15 minutes, "
                            "logins are refused for a while (429)")
    def login(self, request):
        payload = parse_json(request)
        # The address comes from the connection, never from the body.
        payload["client_address"] = client_address(request, trusted_proxies(self.config))
        return self.accounts.login(payload)

    @http("GET", "/api/v1/me")
    @documented("当前用户 / the signed-in user", "accounts", errors=("404",))
    def me(self, request):
        return self.accounts.get_me()

    @http("POST", "/api/v1/me/password")
    @documented("修改密码 / change my password (needs the current one)", "accounts",
                request=ChangePasswordSchema, errors=("400",))
    def change_password(self, request):
        return self.accounts.change_password(parse_json(request))

    @http("POST", "/api/v1/judges")
    @documented("登记评审专家 / register a judge (organisers)", "accounts",
                request=RegisterJudgeSchema, response=JudgeSchema, status=201, errors=("400", "409"))
    def register_judge(self, request):
        return 201, self.accounts.register_judge(parse_json(request))

    @http("GET", "/api/v1/judges")
    @documented("评审专家名单 / list judges (organisers)", "accounts", response=JudgeSchema(many=True))
    def list_judges(self, request):
        return self.accounts.list_judges()
