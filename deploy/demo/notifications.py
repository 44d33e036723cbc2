"""Notifications: preferences of a few enterprises, an organiser template override (and a refused one)."""

SUBJECT_OVERRIDE = "【青海质量】{{ conference_name }}：{{ group_name }} 获{{ grade }}"


def run(ctx):
    enterprises = ctx.state.get("enterprises") or []
    for n, enterprise in enumerate(enterprises[:5]):
        token = ctx.login(enterprise["contact_email"])
        choice = {"settings": {"notice": {"email": True}, "qc": {"email": True, "sms": n == 0}}}
        if n == 0:
            choice["phone"] = "13800971000"
        if n == 1:
            choice["locale"] = "en"
        ctx.call("PUT", "/me/notification-preferences", token=token, json=choice)
    if enterprises:
        ctx.report(f"notification preferences: {min(5, len(enterprises))} enterprises opted in to notice email")

    organiser = ctx.organiser_token()
    path = "/notifications/templates/qc_grades_published/email_subject/zh-CN"
    refused = ctx.call("PUT", path, token=organiser, json={"source": "{{ conference_name }}\n{{ grade_name }}"},
                       expect=(400,))
    ctx.report(f"a broken template override is refused: {refused.json()['fields']['source'][0]}")
    ctx.call("PUT", path, token=organiser, json={"source": SUBJECT_OVERRIDE})
    templates = ctx.call("GET", "/notifications/templates", token=organiser).json()
    overridden = sum(1 for template in templates if template["overridden"])
    ctx.report(f"notification templates: {len(templates)} files, {overridden} overridden by organisers")
    letters = ctx.call("GET", "/notifications/dead-letters", token=organiser).json()
    ctx.report(f"failed deliveries awaiting re-send: {letters['total']}")
