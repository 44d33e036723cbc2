"""Parsing a directory file into rows (no rules), and the CLI's chunking."""
import io

import pytest
from openpyxl import Workbook

from services.accounts.import_cli import run_import
from services.accounts.import_file import parse_directory
from shared.errors import ValidationFailed


def test_csv_with_chinese_headers_and_bom():
    data = ("\ufeff企业名称,统一社会信用代码,行政区划代码,行业门类,联系邮箱,备注\n"
            "青海甲公司, 91630100MA7XQ0NN3J ,630100,C,a@b.cn,忽略\n,,,,,\n"
            "青海乙公司,X,632800,B,b@b.cn,\n").encode()
    rows = parse_directory(data, "名录.csv")
    assert rows[0] == {"name": "青海甲公司", "uscc": "91630100MA7XQ0NN3J", "division_code": "630100",
                       "industry_code": "C", "contact_email": "a@b.cn", "row": 2}
    assert rows[1]["row"] == 4  # the blank line is skipped, line numbers stay the file's


def test_xlsx_numbers_become_codes():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "uscc", "division_code", "industry_code", "contact_email"])
    sheet.append(["青海丙公司", "91630100MA7XQ0NN3J", 630100, "C", "c@b.cn"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (row,) = parse_directory(buffer.getvalue(), "upload")
    assert row["division_code"] == "630100"


def test_missing_required_columns_are_named():
    with pytest.raises(ValidationFailed) as raised:
        parse_directory("企业名称,联系邮箱\n甲,a@b.cn\n".encode())
    assert set(raised.value.fields["_file"]) == {"uscc", "division_code", "industry_code"}


def test_run_import_sends_chunks_and_merges_reports():
    calls, progress = [], []

    def call(chunk):
        calls.append(len(chunk))
        return {"received": len(chunk), "imported": len(chunk) - 1, "failed": 1,
                "errors": [{"row": chunk[0]["row"], "uscc": None, "errors": {"uscc": ["x"]}}]}

    result = run_import([{"row": n} for n in range(7)], call, chunk_size=3,
                        report=lambda *args: progress.append(args))
    assert calls == [3, 3, 1]
    assert result["imported"] == 4 and result["failed"] == 3 and [e["row"] for e in result["errors"]] == [0, 3, 6]
    assert [p[0] for p in progress] == [3, 6, 7]
