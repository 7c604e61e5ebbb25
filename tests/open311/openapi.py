"""An OpenAPI 3 description of our Open311 GeoReport v2 endpoints, for fuzzing them (the
specification publishes JSON schemas of the answers, but no description of the requests).

Every operation takes ``{format}``, json or xml. Answers are described loosely here (an array or
an object); the fuzz test checks them against the published schemas instead.
"""

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
ERROR = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
ANY_DOCUMENT = {"oneOf": [{"type": "array"}, {"type": "object"}]}


def _answers(*codes: int) -> dict:
    content = {
        "application/json": {"schema": ANY_DOCUMENT},
        "text/xml": {"schema": {"type": "string"}},
    }
    errors = {"application/json": {"schema": ERROR}, "text/xml": {"schema": {"type": "string"}}}
    described = {
        200: "the document",
        201: "the receipt",
        400: "bad parameter",
        403: "api_key missing or not allowed",
        404: "not found",
        405: "method not allowed",
        413: "request too large",
        429: "too many requests; see Retry-After",
    }
    return {
        str(c): {"description": described[c], "content": content if c < 400 else errors}
        for c in codes
    }


def _path(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "pattern": "^[^/.]+$"},
    }


def _query(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


POST_FIELDS = {
    "api_key": {"type": "string"},
    "service_code": {"type": "string"},
    "lat": {"type": "string"},
    "long": {"type": "string"},
    "address_string": {"type": "string"},
    "address_id": {"type": "string"},
    "email": {"type": "string"},
    "device_id": {"type": "string"},
    "account_id": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "description": {"type": "string"},
    "media_url": {"type": "string"},
    "attribute[order_type]": {"type": "string"},
    "attribute[urgency]": {"type": "string"},
    "attribute[confidential]": {"type": "string"},
}

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "12345 热线 Open311 GeoReport v2", "version": "v2"},
    "paths": {
        "/open311/v2/discovery.{format}": {
            "get": {"operationId": "discovery", "parameters": [FORMAT], "responses": _answers(200)}
        },
        "/open311/v2/services.{format}": {
            "get": {"operationId": "services", "parameters": [FORMAT], "responses": _answers(200)}
        },
        "/open311/v2/services/{service_code}.{format}": {
            "get": {
                "operationId": "service_definition",
                "parameters": [_path("service_code", "e.g. 02.01"), FORMAT],
                "responses": _answers(200, 404),
            }
        },
        "/open311/v2/requests.{format}": {
            "get": {
                "operationId": "requests",
                "parameters": [
                    FORMAT,
                    _query("service_request_id", "comma-separated ids"),
                    _query("service_code", "comma-separated"),
                    _query("start_date", "W3C date-time"),
                    _query("end_date", "W3C date-time"),
                    _query("status", "open, closed or both"),
                ],
                "responses": _answers(200, 400),
            },
            "post": {
                "operationId": "post_request",
                "parameters": [FORMAT],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object", "properties": POST_FIELDS}
                        }
                    },
                },
                "responses": _answers(201, 400, 403, 404, 413, 429),
            },
        },
        "/open311/v2/requests/{service_request_id}.{format}": {
            "get": {
                "operationId": "request",
                "parameters": [_path("service_request_id", "the order number"), FORMAT],
                "responses": _answers(200, 404),
            }
        },
        "/open311/v2/tokens/{token}.{format}": {
            "get": {
                "operationId": "token",
                "parameters": [_path("token", "the token a POST gave"), FORMAT],
                "responses": _answers(200, 404),
            }
        },
    },
}
