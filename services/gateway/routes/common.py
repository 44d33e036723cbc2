"""Helpers every route module uses."""


def query_args(request):
    """Query parameters as a plain dict (first value of each)."""
    return {key: request.args.get(key) for key in request.args.keys()}


def preferred_locale(request):
    explicit = request.args.get("locale")
    if explicit:
        return explicit
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"
