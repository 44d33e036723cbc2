"""Campaign statistics as an XLSX workbook, Chinese column headers first."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font

BOLD = Font(bold=True)


def _sheet(workbook, title, headers, rows):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(header) * 2)
    return sheet


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


def statistics_workbook(stats):
    workbook = Workbook()
    workbook.remove(workbook.active)
    campaign, totals = stats["campaign"], stats["totals"]
    _sheet(workbook, "概况", ["项目", "数值"], [
        ["年度", campaign["year"]], ["名称", campaign["name"]], ["主题", campaign["theme"]],
        ["状态", campaign["status"]], ["活动数", totals["activities"]], ["总名额", totals["capacity"]],
        ["确认报名", totals["confirmed"]], ["候补", totals["waitlisted"]], ["已取消", totals["cancelled"]],
        ["签到", totals["attended"]], ["签到率(%)", _pct(totals["attendance_rate"])],
    ])
    _sheet(workbook, "按地区", ["行政区划代码", "地区", "活动数", "名额", "确认报名", "候补", "签到", "签到率(%)"], [
        [d["division_code"], d["division_name"], d["activities"], d["capacity"], d["confirmed"], d["waitlisted"],
         d["attended"], _pct(d["attendance_rate"])] for d in stats["by_division"]])
    _sheet(workbook, "按行业", ["行业门类", "行业名称", "报名企业数", "确认报名", "候补", "签到"], [
        [i["industry_code"], i["industry_name"], i["enterprises"], i["confirmed"], i["waitlisted"], i["attended"]]
        for i in stats["by_industry"]])
    _sheet(workbook, "活动", ["活动名称", "类型", "行政区划代码", "名额", "确认报名", "候补", "签到"], [
        [a["title"], a["kind"], a["division_code"], a["capacity"], a["confirmed"], a["waitlisted"], a["attended"]]
        for a in stats["activities"]])
    notice_rows = []
    for notice in stats["notices"]:
        read = notice.get("read_stats")
        if not read:
            notice_rows.append([notice["doc_number"], notice["title"], "全部", None, None, None])
            continue
        notice_rows.append([notice["doc_number"], notice["title"], "全部", read["audience_total"],
                            read["read_total"], _pct(read["read_rate"])])
        for division in read.get("by_division", []):
            notice_rows.append([notice["doc_number"], notice["title"], division["division_code"],
                                division["audience"], division["read"], _pct(division["read_rate"])])
    _sheet(workbook, "通知阅读", ["文号", "标题", "地区", "应读企业数", "已读", "阅读率(%)"], notice_rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
