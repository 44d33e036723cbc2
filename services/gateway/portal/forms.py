"""Form helpers: read a posted form, and carry values and field errors back to the page.

Validation is the services' job; a form page posts to the same RPC the API uses and shows
the ``ValidationFailed`` / ``Conflict`` field messages next to each field (see
``templates/portal/_forms.html`` for the matching macros).
"""
from services.gateway.portal.i18n import N_

# marshmallow's own field messages reach the page in English; these have catalogue entries
# (the services' own messages are "中文 / English" and are split by locale instead).
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Not a valid email address."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
)

SECRET_FIELDS = ("password", "current_password", "new_password", "new_password_confirm", "csrf_token")


def form_values(request, lists=()):
    """The posted fields as a dict of stripped strings; empty fields are left out, so the
    service's defaults apply. Names in ``lists`` keep every value (checkbox groups)."""
    values = {}
    for name in request.form.keys():
        if name == "csrf_token":
            continue
        if name in lists:
            values[name] = [v.strip() for v in request.form.getlist(name) if v.strip()]
            continue
        value = request.form.get(name, "")
        value = value if name in SECRET_FIELDS else value.strip()
        if value:
            values[name] = value
    return values


class Form:
    """What a form template needs: the values to show again and the errors to show."""

    def __init__(self, values=None, error=None):
        self.values = {k: v for k, v in (values or {}).items() if k not in SECRET_FIELDS}
        self.message = getattr(error, "message", None) if error else None
        fields = getattr(error, "fields", None) or {}
        self.field_errors = {name: _messages(value) for name, value in fields.items()}

    def value(self, name, default=""):
        value = self.values.get(name, default)
        return "" if value is None else value

    def errors(self, name):
        return self.field_errors.get(name, [])

    def other_errors(self, known):
        """Messages for fields the page has no input for (e.g. ``_schema``)."""
        return [m for name, msgs in self.field_errors.items() if name not in known for m in msgs]


def _messages(value):
    if isinstance(value, dict):  # nested schema errors: flatten
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _messages(item)]
    return [str(value)]
