"""accounts: enterprises (keyed by USCC), users and roles, judges.

Entrypoints stay thin: validate with a schema, apply the domain's rules,
persist through the repository.
"""
import logging
from datetime import UTC, datetime, timedelta

from nameko.dependency_providers import Config

from services.accounts import domain
from services.accounts.events import ENTERPRISE_REGISTERED, JUDGE_REGISTERED
from services.accounts.repository import AccountsRepository
from services.accounts.schemas import (
    ChangePasswordSchema,
    EnterpriseSchema,
    ImportEnterpriseRowSchema,
    ImportRequestSchema,
    JudgeSchema,
    LoginSchema,
    PageSchema,
    RegisterEnterpriseSchema,
    RegisterJudgeSchema,
    UserSchema,
)
from shared.audience import AudienceSchema, enterprise_query
from shared.auth import CallerIdentity, hash_password, signer_from_config, verify_password
from shared.errors import NotAuthenticated, NotFound
from shared.events import make_event
from shared.logging import CorrelationTracker
from shared.mongo import MongoStore
from shared.rpc import rpc
from shared.validation import load, page_of

SERVICE_NAME = "accounts"
log = logging.getLogger(__name__)

# Verifying against a real hash for unknown users keeps the timing of a failed
# login the same whether or not the account exists.
_DUMMY_HASH = hash_password("not-a-real-password")


def _now():
    return datetime.now(UTC)


class AccountsService:
    name = SERVICE_NAME

    store = MongoStore(AccountsRepository)
    caller = CallerIdentity()
    correlation = CorrelationTracker()
    config = Config()

    @rpc
    def health(self):
        self.store.ping()
        return {"service": self.name, "store": "ok"}

    @rpc
    def register_enterprise(self, payload):
        data = load(RegisterEnterpriseSchema(), payload)
        now = _now()
        enterprise = domain.new_enterprise(data, now)
        user = domain.new_user(
            data["contact_email"], data.get("contact_name") or data["name"], "enterprise",
            hash_password(data["password"]), now, enterprise_id=enterprise["_id"],
        )
        self.store.register_enterprise(enterprise, user, self._registered_event(enterprise, user))
        log.info("enterprise %s registered (%s)", enterprise["_id"], enterprise["division_code"])
        return {"enterprise": EnterpriseSchema().dump(enterprise), "user": UserSchema().dump(user)}

    def _registered_event(self, enterprise, user):
        return make_event(ENTERPRISE_REGISTERED, self.name, {
            "enterprise_id": enterprise["_id"], "user_id": user["_id"], "name": enterprise["name"],
            "uscc": enterprise["uscc"], "division_code": enterprise["division_code"],
            "industry_code": enterprise["industry_code"], "size": enterprise["size"],
            "group_company": enterprise["group_company"], "contact_email": enterprise["contact_email"],
        })

    @rpc
    def import_enterprises(self, rows):
        """Organisers import a directory: good rows stored, bad rows reported.

        Returns {received, imported, failed, errors: [{row, uscc, errors}]}.
        Each stored enterprise gets an enterprise user with no password (it
        cannot log in until activated) and an ``enterprise_registered`` event.
        """
        self.caller.require("organiser")
        rows = load(ImportRequestSchema(), {"rows": rows})["rows"]
        schema = ImportEnterpriseRowSchema()
        good, errors = domain.screen_import_rows(rows, lambda raw: load(schema, raw))
        imported = 0
        chunk_size = int(self.config.get("IMPORT_CHUNK_SIZE", 500))
        for start in range(0, len(good), chunk_size):
            imported += self._import_chunk(good[start:start + chunk_size], errors)
        errors.sort(key=lambda error: error["row"])
        log.info("directory import: %d rows, %d imported, %d refused", len(rows), imported, len(errors))
        return {"received": len(rows), "imported": imported, "failed": len(errors), "errors": errors}

    def _import_chunk(self, chunk, errors):
        keep, refused = domain.drop_existing(
            chunk,
            self.store.existing_usccs(data["uscc"] for data in chunk),
            self.store.existing_usernames(data["contact_email"] for data in chunk),
        )
        errors.extend(refused)
        now = _now()
        triples, rows_by_id = [], {}
        for data in keep:
            enterprise = domain.new_enterprise(data, now)
            user = domain.new_user(data["contact_email"], data.get("contact_name") or data["name"],
                                   "enterprise", None, now, enterprise_id=enterprise["_id"])
            triples.append((enterprise, user, self._registered_event(enterprise, user)))
            rows_by_id[enterprise["_id"]] = data
        if not triples:
            return 0
        stored, conflicts = self.store.import_enterprises(triples)
        for enterprise_id, conflict in conflicts.items():
            data = rows_by_id[enterprise_id]
            errors.append(domain.row_error(data["row"], data["uscc"], conflict.fields))
        return len(stored)

    @rpc
    def count_audience(self, audience):
        """How many enterprises a notice audience reaches (the composer's preview)."""
        self.caller.require("organiser")
        rule = load(AudienceSchema(), audience)
        return {"enterprises": self.store.count_enterprises(enterprise_query(rule)), "audience": rule}

    def _login_throttle(self):
        limit = int(self.config.get("LOGIN_FAILURE_LIMIT", domain.LOGIN_FAILURE_LIMIT))
        window = timedelta(seconds=int(self.config.get(
            "LOGIN_FAILURE_WINDOW", domain.LOGIN_FAILURE_WINDOW.total_seconds())))
        return limit, window

    @rpc
    def login(self, payload):
        data = load(LoginSchema(), payload)
        limit, window = self._login_throttle()
        now = _now()
        address = data["client_address"]
        by_account, by_address = self.store.count_login_failures(data["username"], address, now - window)
        domain.check_login_allowed(by_account, by_address, limit, window)
        user = self.store.user_by_username(data["username"])
        # Imported users have no password until they are activated.
        stored_hash = (user or {}).get("password_hash")
        ok = verify_password(stored_hash or _DUMMY_HASH, data["password"])
        if not (user and stored_hash and ok and user.get("active", True)):
            self.store.record_login_failure(data["username"], address, now)
            raise NotAuthenticated("用户名或密码错误 / wrong username or password")
        self.store.clear_login_failures(data["username"])
        signer = signer_from_config(self.config)
        identity = domain.identity_for(user)
        return {
            "token": signer.issue(identity),
            "token_type": "Bearer",
            "expires_in": signer.ttl_seconds,
            "user": UserSchema().dump(user),
        }

    @rpc
    def get_me(self):
        identity = self.caller.require()
        user = self.store.user_by_id(identity.user_id)
        if user is None:
            raise NotFound("用户不存在 / user not found")
        result = {"user": UserSchema().dump(user)}
        if user.get("enterprise_id"):
            result["enterprise"] = EnterpriseSchema().dump(self.store.enterprise_by_id(user["enterprise_id"]))
        if user.get("judge_id"):
            result["judge"] = JudgeSchema().dump(self.store.judge_by_id(user["judge_id"]))
        return result

    @rpc
    def change_password(self, payload):
        identity = self.caller.require()
        data = load(ChangePasswordSchema(), payload)
        user = self.store.user_by_id(identity.user_id)
        if user is None:
            raise NotFound("用户不存在 / user not found")
        current_ok = verify_password(user["password_hash"], data["current_password"])
        domain.check_password_change(current_ok, data["current_password"], data["new_password"])
        self.store.set_password_hash(user["_id"], hash_password(data["new_password"]), _now())
        log.info("user %s changed their password", user["_id"])
        return {"changed": True}

    @rpc
    def get_enterprise(self, enterprise_id):
        identity = self.caller.require()
        domain.check_can_view_enterprise(identity, enterprise_id)
        enterprise = self.store.enterprise_by_id(enterprise_id)
        if enterprise is None:
            raise NotFound("企业不存在 / enterprise not found")
        return EnterpriseSchema().dump(enterprise)

    @rpc
    def list_enterprises(self, query=None):
        self.caller.require("organiser")
        params = load(PageSchema(), query)
        items, total = self.store.find_enterprises(**params)
        return page_of(EnterpriseSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def register_judge(self, payload):
        self.caller.require("organiser")
        data = load(RegisterJudgeSchema(), payload)
        now = _now()
        user = domain.new_user(data["email"], data["name"], "judge", hash_password(data["password"]), now)
        judge = domain.new_judge(data, user["_id"], now)
        user["judge_id"] = judge["_id"]
        event = make_event(JUDGE_REGISTERED, self.name, {
            "judge_id": judge["_id"], "user_id": user["_id"], "name": judge["name"],
            "email": judge["email"], "expertise": judge["expertise"],
            "employer_enterprise_id": judge["employer_enterprise_id"], "employer_name": judge["employer_name"],
            "group_company": judge["group_company"], "division_code": judge["division_code"],
        })
        self.store.register_judge(judge, user, event)
        return JudgeSchema().dump(judge)

    @rpc
    def list_judges(self):
        self.caller.require("organiser")
        return JudgeSchema(many=True).dump(self.store.list_judges())
