"""Refusing a NUL character in a request's address or query string, before any view sees it.

PostgreSQL cannot hold or compare a text with NUL (0x00) in it: a lookup by such a value is a
server error there, wherever it reaches a query (an order number in a path, a search, a filter).
No identifier or search of ours has one, so the request is refused as a whole. Form fields are
refused by Django's forms already, and text is cleaned of control characters (clean_text).
"""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "请求中含有空字符（NUL），无法处理。A request may not contain NUL characters."


def refuse_nul(get_response):
    def middleware(request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/open311/"):
                from hotline.open311.formats import error

                return error(400, "NUL characters are not allowed in a request",
                             "xml" if request.path.endswith(".xml") else "json")
            if request.path.startswith("/api/"):  # the API's documented error body
                return JsonResponse({"code": "invalid_input", "message": MESSAGE}, status=400,
                                    json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
