"""Static files (CSS, JS, vendored libraries) served by the gateway itself."""
import mimetypes
import os

from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from services.gateway.portal.entrypoint import error_page, page
from services.gateway.portal.i18n import GATEWAY_DIR

STATIC_DIR = os.path.join(GATEWAY_DIR, "static")


class AssetPages:
    @page("GET", "/static/<path:filename>", public=True, anonymous_session=False)
    def static_file(self, request, filename):
        path = safe_join(STATIC_DIR, filename)
        if path is None or not os.path.isfile(path):
            return error_page(request, 404)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        with open(path, "rb") as handle:
            body = handle.read()
        return Response(body, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"})
