"""OCS envelopes (v1 and v2), request parameters and routing of OCS controllers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape, quoteattr

from .state import State

# lib/public/AppFramework/OCSController.php
RESPOND_UNAUTHORISED = 997
RESPOND_NOT_FOUND = 998
RESPOND_SERVER_ERROR = 996
RESPOND_UNKNOWN_ERROR = 999


class OcsError(Exception):
    """lib/public/AppFramework/OCS/OCSException.php: a code and a message."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def not_found(message: str = "") -> OcsError:
    # lib/public/AppFramework/OCS/OCSNotFoundException.php: code Http::STATUS_NOT_FOUND
    return OcsError(404, message)


def forbidden(message: str = "") -> OcsError:
    # lib/public/AppFramework/OCS/OCSForbiddenException.php: code Http::STATUS_FORBIDDEN
    return OcsError(403, message)


def bad_request(message: str = "") -> OcsError:
    # lib/public/AppFramework/OCS/OCSBadRequestException.php: code Http::STATUS_BAD_REQUEST
    return OcsError(400, message)


@dataclass
class OcsRequest:
    state: State
    user: str | None
    params: dict[str, Any]
    version: int
    base_url: str

    @property
    def uid(self) -> str:
        assert self.user is not None
        return self.user

    def has(self, name: str) -> bool:
        return name in self.params

    def str_param(self, name: str, default: str = "") -> str:
        value = self.params.get(name, default)
        if value is None:
            return default
        if isinstance(value, bool):
            # PHP string cast of a JSON boolean: true -> "1", false -> ""
            return "1" if value else ""
        if isinstance(value, list):
            return default
        return str(value)

    def opt_str(self, name: str) -> str | None:
        return self.str_param(name) if name in self.params else None

    def int_param(self, name: str, default: int | None = None) -> int | None:
        # lib/private/AppFramework/Http/Dispatcher.php: settype($value, 'int')
        if name not in self.params or self.params[name] in (None, ""):
            return default
        value = self.params[name]
        if isinstance(value, bool):
            return int(value)
        try:
            return int(float(str(value)))
        except ValueError:
            return 0

    def bool_param(self, name: str, default: bool = False) -> bool:
        # lib/private/AppFramework/Http/Dispatcher.php: 'false' is false, else (bool) cast
        if name not in self.params:
            return default
        value = self.params[name]
        if isinstance(value, bool):
            return value
        text = str(value)
        return text not in ("", "0", "false")

    def list_param(self, name: str) -> list[str]:
        value = self.params.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, dict):
            return [str(v) for v in value.values()]
        return [str(value)]


@dataclass
class OcsResult:
    data: Any
    status: int = 200


Handler = Callable[..., Any]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    public: bool = False
    admin: bool = False
    # apps/provisioning_api/lib/Middleware/ProvisioningApiMiddleware.php: a provisioning
    # method without #[NoSubAdminRequired] turns away callers neither admin nor subadmin
    subadmin: bool = False
    greedy: tuple[str, ...] = ()
    urldecode: tuple[str, ...] = ()
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.escape(self.template)
        for name in re.findall(r"\{(\w+)\}", self.template):
            # appinfo/routes.php 'requirements' => ['groupId' => '.+'] lets a segment hold '/'
            piece = f"(?P<{name}>.+)" if name in self.greedy else f"(?P<{name}>[^/]+)"
            pattern = pattern.replace(re.escape("{" + name + "}"), piece)
        self.regex = re.compile(f"^{pattern}/?$")


def match_route(
    routes: list[Route], method: str, raw_path: str
) -> tuple[Route, dict[str, str]] | None:
    for route in routes:
        if route.method != method:
            continue
        found = route.regex.match(raw_path)
        if found:
            values = {}
            for key, value in found.groupdict().items():
                value = unquote(value)
                if key in route.urldecode:
                    # apps/provisioning_api GroupsController: $groupId = urldecode($groupId)
                    value = unquote(value)
                values[key] = value
            return route, values
    return None


def _php_key(params: dict[str, Any], key: str, value: Any) -> None:
    # PHP decodes "groups[]=a&groups[]=b" (and "groups[0]=a") into an array
    found = re.match(r"^([^\[]+)\[([^\]]*)\]$", key)
    if found:
        base = found.group(1)
        current = params.get(base)
        if not isinstance(current, list):
            current = []
            params[base] = current
        current.append(value)
    else:
        params[key] = value


def parse_params(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """Merge query string and body like lib/private/AppFramework/Http/Request.php."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        _php_key(params, key, value)
    content_type = environ.get("CONTENT_TYPE", "")
    if body:
        if "json" in content_type:
            # Request.php decodeContent: a JSON body's keys override the query string
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                params.update(decoded)
        elif "application/x-www-form-urlencoded" in content_type or not content_type:
            # Request.php: form bodies are decoded for POST and for PUT/PATCH/DELETE too
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                _php_key(params, key, value)
    return params


def response_format(params: dict[str, Any], accept: str) -> str:
    # lib/private/AppFramework/Middleware/OCSMiddleware.php getFormat: 'format' parameter,
    # otherwise the Accept header (Controller::getResponderByHTTPHeader), default xml
    fmt = params.get("format")
    if isinstance(fmt, str) and fmt in ("json", "xml"):
        return fmt
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if "/" in media and media.rsplit("/", 1)[1] in ("json", "xml"):
            return media.rsplit("/", 1)[1]
    return "xml"


def http_status(version: int, code: int) -> int:
    if version == 1:
        # lib/private/AppFramework/OCS/V1Response.php getStatus: 200 except 997 -> 401
        return 401 if code == RESPOND_UNAUTHORISED else 200
    # lib/private/AppFramework/OCS/V2Response.php getStatus
    if code == RESPOND_UNAUTHORISED:
        return 401
    if code == RESPOND_NOT_FOUND:
        return 404
    if code in (RESPOND_SERVER_ERROR, RESPOND_UNKNOWN_ERROR):
        return 500
    if code < 200 or code > 600:
        return 400
    return code


def build_envelope(version: int, code: int, message: str, data: Any) -> dict[str, Any]:
    if version == 1:
        # lib/private/AppFramework/OCS/V1Response.php getOCSStatus/render: success is 100
        ocs_code = 100 if code == 200 else code
        ok = ocs_code == 100
        meta: dict[str, Any] = {
            "status": "ok" if ok else "failure",
            "statuscode": ocs_code,
            "message": "OK" if ok else message,
            "totalitems": "",
            "itemsperpage": "",
        }
    else:
        # lib/private/AppFramework/OCS/V2Response.php render: statuscode is the raw status
        ok = 200 <= code < 300
        meta = {
            "status": "ok" if ok else "failure",
            "statuscode": code,
            "message": "OK" if ok else message,
        }
    return {"ocs": {"meta": meta, "data": data}}


def php_json(value: Any) -> Any:
    """PHP's json_encode writes an empty array as [] even where a map is meant.

    lib/private/AppFramework/OCS/BaseResponse.php renderResult: json_encode($response)
    """
    if isinstance(value, dict):
        if not value:
            return []
        return {str(k): php_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [php_json(v) for v in value]
    return value


_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _xml_scalar(value: Any) -> str:
    # PHP (string) cast in BaseResponse::toXML: true -> "1", false -> ""
    if value is True:
        return "1"
    if value is False:
        return ""
    return str(value)


def _to_xml(value: Any, indent: int, out: list[str]) -> None:
    # lib/private/AppFramework/OCS/BaseResponse.php toXML: numeric keys become <element>,
    # '@'-prefixed keys become attributes, null becomes an empty element
    items = value.items() if isinstance(value, dict) else enumerate(value)
    pad = " " * indent
    for key, item in items:
        if isinstance(key, str) and key.startswith("@"):
            continue
        name = key if isinstance(key, str) and _XML_NAME.match(key) else "element"
        attrs = ""
        if isinstance(item, dict):
            attrs = "".join(
                f" {k[1:]}={quoteattr(_xml_scalar(v))}"
                for k, v in item.items()
                if isinstance(k, str) and k.startswith("@")
            )
            children = {
                k: v for k, v in item.items() if not (isinstance(k, str) and k.startswith("@"))
            }
            if not children:
                out.append(f"{pad}<{name}{attrs}/>")
                continue
            out.append(f"{pad}<{name}{attrs}>")
            _to_xml(children, indent + 1, out)
            out.append(f"{pad}</{name}>")
        elif isinstance(item, list | tuple):
            if not item:
                out.append(f"{pad}<{name}/>")
                continue
            out.append(f"{pad}<{name}>")
            _to_xml(list(item), indent + 1, out)
            out.append(f"{pad}</{name}>")
        elif item is None:
            out.append(f"{pad}<{name}/>")
        else:
            out.append(f"{pad}<{name}>{escape(_xml_scalar(item))}</{name}>")


def render(fmt: str, envelope: dict[str, Any]) -> tuple[bytes, str]:
    # lib/private/AppFramework/OCS/BaseResponse.php: content types and renderResult
    if fmt == "json":
        body = json.dumps(php_json(envelope), separators=(",", ":")).encode()
        return body, "application/json; charset=utf-8"
    lines = ['<?xml version="1.0"?>']
    _to_xml(envelope, 0, lines)
    return ("\n".join(lines) + "\n").encode(), "application/xml; charset=utf-8"
