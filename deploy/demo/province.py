"""The province: enterprises in all eight divisions across industries."""
import random

from shared.standards import DIVISIONS, PREFECTURE_CODES, make_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
INDUSTRIES = ["C"] * 8 + ["B", "D", "E", "F", "G", "I", "M", "A", "H", "K"]
SIZES = ["large", "medium", "medium", "small", "small", "small", "micro"]
NAME_PARTS = ["昆仑", "雪域", "三江源", "柴达木", "青湖", "祁连", "河湟", "高原", "盐湖", "唐蕃", "格尔木", "湟水"]
TRADES = {"C": "制造", "B": "矿业", "D": "电力", "E": "建设", "F": "商贸", "G": "物流", "I": "信息技术",
          "M": "检测技术", "A": "牧业", "H": "餐饮", "K": "置业"}
ENTERPRISES_PER_DIVISION = 30


def demo_enterprises(count_per_division=ENTERPRISES_PER_DIVISION):
    """Deterministic, so a second run meets its own records (409) rather than new ones."""
    rng = random.Random(2014)
    enterprises = []
    for division in PREFECTURE_CODES:
        for n in range(count_per_division):
            industry = rng.choice(INDUSTRIES)
            body = "".join(rng.choice(ALPHABET) for _ in range(9))
            prefix = DIVISIONS[division].name[:2]
            enterprises.append({
                "name": f"{prefix}{rng.choice(NAME_PARTS)}{TRADES[industry]}有限公司{n + 1:02d}",
                "uscc": make_uscc("91" + division + body),
                "division_code": division,
                "industry_code": industry,
                "size": rng.choice(SIZES),
                "contact_email": f"qy{division}{n + 1:03d}@demo.qh.cn",
            })
    return enterprises


def run(ctx):
    created = existing = 0
    ctx.state["enterprises"] = []
    for enterprise in demo_enterprises():
        response = ctx.call("POST", "/enterprises", json={**enterprise, "password": ctx.password},
                            expect=(201, 409))
        if response.status_code == 201:
            created += 1
        else:
            existing += 1
        ctx.state["enterprises"].append(enterprise)
    ctx.report(f"enterprises: {created} registered, {existing} already there, "
               f"across {len(PREFECTURE_CODES)} divisions")
    sample = ctx.state["enterprises"][0]
    ctx.report(f"sample enterprise login: {sample['contact_email']} / {ctx.password}")
