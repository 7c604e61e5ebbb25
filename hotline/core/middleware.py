def chinese_unless_chosen(get_response):
    """Pages are in Chinese unless the user chose English with the language switch: the
    browser's Accept-Language is not consulted (staff machines are often set up in English)."""

    def middleware(request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware
