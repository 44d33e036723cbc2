"""Valid request bodies for tests, with real check characters."""
import random

from shared.standards import make_uscc

_rng = random.Random(20141)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(division="630100"):
    body = "".join(_rng.choice(ALPHABET) for _ in range(9))
    return make_uscc("91" + division + body)


def enterprise_body(**overrides):
    n = _rng.randrange(10**6)
    body = {
        "name": f"青海测试企业{n}有限公司",
        "uscc": uscc(overrides.get("division_code", "630100")),
        "division_code": "630100",
        "industry_code": "C",
        "size": "medium",
        "contact_email": f"contact{n}@example.cn",
        "password": "correct-horse-9",
    }
    body.update(overrides)
    return body
