"""Reading a directory file (CSV or XLSX) into rows; no rules here.

Headers may be the field names or their Chinese labels. Every row carries
its line number in the file (``row``) so the error report points at it.
Validation happens in the accounts service, not while parsing.
"""
import csv
import io

from shared.errors import ValidationFailed

HEADERS = {
    "name": ("name", "企业名称", "名称"),
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "division_code": ("division_code", "行政区划代码", "区划代码"),
    "industry_code": ("industry_code", "行业门类", "行业代码"),
    "size": ("size", "企业规模", "规模"),
    "group_company": ("group_company", "所属集团", "集团"),
    "contact_name": ("contact_name", "联系人"),
    "contact_email": ("contact_email", "联系邮箱", "邮箱", "email"),
}
_FIELD_OF = {label.lower(): field for field, labels in HEADERS.items() for label in labels}
XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
XLSX_MAGIC = b"PK\x03\x04"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # division codes typed as numbers in a spreadsheet
    return str(value).strip()


def _rows_from_table(table):
    header, *body = table
    fields = [_FIELD_OF.get(_cell(label).lower()) for label in header]
    missing = [field for field in ("name", "uscc", "division_code", "industry_code", "contact_email")
               if field not in fields]
    if missing:
        raise ValidationFailed("文件缺少必需的列 / the file lacks required columns", {"_file": missing})
    rows = []
    for line, values in enumerate(body, start=2):
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue
        row = {field: cell for field, cell in zip(fields, cells, strict=False) if field}
        row["row"] = line
        rows.append(row)
    return rows


def parse_csv(data):
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise ValidationFailed("文件为空 / the file is empty", {"_file": ["empty"]})
    return _rows_from_table(table)


def parse_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise ValidationFailed("无法读取 XLSX 文件 / not a readable XLSX file", {"_file": [str(error)]})
    table = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    if not table:
        raise ValidationFailed("文件为空 / the file is empty", {"_file": ["empty"]})
    return _rows_from_table(table)


def parse_directory(data, filename="", content_type=""):
    """Rows from a CSV or XLSX file, chosen by name, type or content."""
    if (filename.lower().endswith(".xlsx") or content_type in XLSX_TYPES or data[:4] == XLSX_MAGIC):
        return parse_xlsx(data)
    try:
        return parse_csv(data)
    except UnicodeDecodeError:
        raise ValidationFailed("CSV 须为 UTF-8 编码 / CSV must be UTF-8", {"_file": ["encoding"]})
