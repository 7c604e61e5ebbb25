def chinese_unless_chosen(get_response):
    """Pages are in Chinese unless the user chose English with the language switch: the
    browser's Accept-Language is not consulted (staff machines are often set up in English)."""

    def middleware(request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware


# Scripts only from the site's own static files (ECharts, HTMX and the pages' scripts are all
# there; no inline script, no eval), nothing embedded elsewhere, forms posted only back here.
# Inline styles stay allowed: the pages' <style> blocks and ECharts' drawing set them, and a
# style cannot run code.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def content_security_policy(get_response):
    """Every HTML page gets the policy above unless its view set a stricter one (attachments)."""

    def middleware(request):
        response = get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return middleware
