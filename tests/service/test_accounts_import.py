"""The enterprise directory import on the real store and broker: per-row report,
good rows imported whole, the CLI over RPC."""
import csv
from datetime import UTC, datetime

import pytest

from services.accounts import domain, import_cli
from services.accounts.events import ENTERPRISE_REGISTERED
from services.accounts.repository import AccountsRepository
from services.accounts.service import AccountsService
from shared.errors import NotAuthenticated, PermissionDenied
from shared.events import make_event
from shared.mongo import make_client
from tests.campaigns_support import call, enterprise, organiser_token
from tests.factories import enterprise_body, uscc


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts", IMPORT_CHUNK_SIZE=3))
    container.start()
    return container


@pytest.fixture
def organiser(accounts, mongo_uri, service_config):
    return organiser_token(accounts, mongo_uri, service_config("accounts"))


@pytest.fixture
def db(mongo_client, service_config):
    return mongo_client[service_config("accounts")["MONGO_DATABASE"]]


def row(n, **overrides):
    body = enterprise_body(contact_email=f"import{n}@example.cn", **overrides)
    body.pop("password")
    body["row"] = n + 1
    return body


def test_good_rows_are_imported_and_bad_rows_reported(accounts, organiser, db):
    registered, _ = enterprise(accounts)
    good = [row(n) for n in range(1, 6)]
    wrong_check = row(6)
    wrong_check["uscc"] = wrong_check["uscc"][:17] + ("0" if wrong_check["uscc"][17] != "0" else "1")
    rows = [
        good[0], good[1],
        wrong_check,
        row(7, division_code="110000"),                        # not a Qinghai division
        row(8, industry_code="Z"),
        row(9, uscc=good[0]["uscc"]),                          # duplicate USCC within the file
        row(10, uscc=registered["uscc"]),                      # already in the directory
        {**row(11), "contact_email": good[1]["contact_email"]},  # duplicate email within the file
        good[2], good[3], good[4],
        {**row(12), "size": "中型企业", "group_company": ""},    # Chinese size name, blank optional cell
    ]
    report = call(accounts, "import_enterprises", rows, token=organiser)

    assert report["received"] == 12 and report["imported"] == 6 and report["failed"] == 6
    errors = {error["row"]: error for error in report["errors"]}
    assert [error["row"] for error in report["errors"]] == [7, 8, 9, 10, 11, 12]
    assert "校验码" in errors[7]["errors"]["uscc"][0]
    assert set(errors[8]["errors"]) == {"division_code"}
    assert set(errors[9]["errors"]) == {"industry_code"}
    assert "row 2" in errors[10]["errors"]["uscc"][0]
    assert errors[11]["errors"]["uscc"] == [domain.ALREADY_REGISTERED_USCC]
    assert "contact_email" in errors[12]["errors"]

    assert db.enterprises.count_documents({}) == 7  # the registered one and six imported
    imported = db.enterprises.find_one({"uscc": rows[-1]["uscc"]})
    assert imported["size"] == "medium" and imported["group_company"] is None
    user = db.users.find_one({"enterprise_id": imported["_id"]})
    assert user["password_hash"] is None and user["role"] == "enterprise"
    # Every enterprise has its user and its event; none is half imported.
    for enterprise_doc in db.enterprises.find():
        assert db.users.count_documents({"enterprise_id": enterprise_doc["_id"]}) == 1
        assert db.outbox.count_documents({"event_type": "enterprise_registered",
                                          "envelope.payload.enterprise_id": enterprise_doc["_id"]}) == 1


def test_imported_users_cannot_log_in(accounts, organiser):
    call(accounts, "import_enterprises", [row(1)], token=organiser)
    with pytest.raises(NotAuthenticated):
        call(accounts, "login", {"username": "import1@example.cn", "password": "any-password-1"})


def test_only_organisers_import(accounts):
    _, token = enterprise(accounts)
    with pytest.raises(PermissionDenied):
        call(accounts, "import_enterprises", [row(1)], token=token)


def test_a_late_duplicate_falls_back_to_one_transaction_per_row(accounts, mongo_uri, service_config, db):
    """A USCC taken between screening and insert: that row alone is refused."""
    registered, _ = enterprise(accounts)
    client = make_client(mongo_uri)
    repository = AccountsRepository(client, client[service_config("accounts")["MONGO_DATABASE"]])
    now = datetime.now(UTC)
    triples = []
    for n, code in enumerate([uscc(), registered["uscc"], uscc()]):
        data = {**row(n), "uscc": code}
        company = domain.new_enterprise(data, now)
        user = domain.new_user(data["contact_email"], data["name"], "enterprise", None, now,
                               enterprise_id=company["_id"])
        envelope = make_event(ENTERPRISE_REGISTERED, "accounts", {
            "enterprise_id": company["_id"], "user_id": user["_id"], "name": company["name"],
            "uscc": company["uscc"], "division_code": company["division_code"], "industry_code": "C",
            "contact_email": company["contact_email"]})
        triples.append((company, user, envelope))
    stored, refused = repository.import_enterprises(triples)
    client.close()
    assert [t[0]["uscc"] for t in stored] == [triples[0][0]["uscc"], triples[2][0]["uscc"]]
    assert list(refused) == [triples[1][0]["_id"]]
    assert db.enterprises.count_documents({}) == 3
    assert db.users.count_documents({"enterprise_id": triples[1][0]["_id"]}) == 0


def test_cli_imports_a_csv_in_chunks_with_progress(accounts, organiser, rabbit_config, tmp_path, monkeypatch,
                                                    capsys, db):
    path = tmp_path / "名录.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "行政区划代码", "行业门类", "企业规模", "联系邮箱"])
        for n in range(1, 8):
            body = row(n)
            writer.writerow([body["name"], body["uscc"], body["division_code"], "C", "小型", body["contact_email"]])
        writer.writerow(["坏企业", "91630100MA7XQ0NN30", "630100", "C", "", "bad@example.cn"])
    monkeypatch.setenv("QH_TOKEN", organiser)
    errors_path = tmp_path / "errors.csv"
    status = import_cli.main([str(path), "--amqp-uri", rabbit_config["AMQP_URI"], "--chunk-size", "3",
                              "--errors", str(errors_path)])
    out = capsys.readouterr()
    assert status == 1
    assert "8 rows: 7 imported, 1 refused" in out.out
    assert "8/8 rows" in out.err and "3/8 rows" in out.err  # the progress bar moved per chunk
    assert db.enterprises.count_documents({"size": "small"}) == 7
    with open(errors_path, encoding="utf-8-sig") as handle:
        report = list(csv.reader(handle))
    assert report[1][0] == "9" and report[1][2] == "uscc"
