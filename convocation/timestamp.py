"""RFC 3161 timestamps of the sending manifest.

`timestamp(data)` asks the timestamp authority of the settings (`MUTUALIS_TSA_URL`, with
`MUTUALIS_TSA_USER` / `MUTUALIS_TSA_PASSWORD` when it needs them; unset, the demo's embedded
one that `mutualis services start` runs) for a token over the SHA-256 of `data`;
`verify(token, data, trust_roots)` checks a token against the data and the
authority's certificate chain. The authority sits behind the small `Authority` interface: an
HTTP one in production, any object with `respond(request_der) -> response_der` in-process.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from asn1crypto import cms, tsp, x509
from django.utils.translation import gettext as _
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from mutualis import conf
from provisioning.backends import embedded_services

CONTENT_TYPE = "application/timestamp-query"


class TimestampError(Exception):
    """The authority could not be reached or refused; the French sentence says which."""


class Authority(Protocol):
    def respond(self, request: bytes) -> bytes:
        """DER TimeStampReq in, DER TimeStampResp out."""


@dataclass(frozen=True)
class HttpAuthority:
    url: str
    user: str = ""
    password: str = ""
    timeout: float = 15.0

    def respond(self, request: bytes) -> bytes:
        auth = (self.user, self.password) if self.user else None
        try:
            answer = httpx.post(self.url, content=request, auth=auth, timeout=self.timeout,
                                headers={"Content-Type": CONTENT_TYPE})
        except httpx.HTTPError as exc:
            raise TimestampError(_("L'autorité d'horodatage %(url)s n'a pas répondu.")
                                 % {"url": self.url}) from exc
        if answer.status_code != 200:
            raise TimestampError(_("L'autorité d'horodatage %(url)s a refusé la demande (HTTP "
                                   "%(status)s).") % {"url": self.url,
                                                     "status": answer.status_code})
        return answer.content


def configured_authority() -> Authority | None:
    """The authority of the settings; without MUTUALIS_TSA_URL, the demo's embedded one when
    `mutualis services start` runs it (var/services.json); else None."""
    url = conf.MUTUALIS_TSA_URL
    if url:
        return HttpAuthority(url, conf.MUTUALIS_TSA_USER,
                             conf.MUTUALIS_TSA_PASSWORD)
    embedded = embedded_services().get("tsa") or {}
    return HttpAuthority(embedded["url"]) if embedded.get("url") else None


@dataclass(frozen=True)
class Token:
    der: bytes
    gen_time: datetime


def timestamp(data: bytes, authority: Authority) -> Token:
    """A timestamp token over SHA-256(data), its nonce and imprint checked."""
    digest = hashlib.sha256(data).digest()
    nonce, request = TimeStamper().request_cms(digest, "sha256")
    response = tsp.TimeStampResp.load(authority.respond(request.dump()))
    try:
        token = handle_tsp_response(response, nonce)
    except TimestampRequestError as exc:
        raise TimestampError(_("L'autorité d'horodatage a refusé la demande d'horodatage.")
                             ) from exc
    info = token["content"]["encap_content_info"]["content"].parsed
    if info["message_imprint"]["hashed_message"].native != digest:
        raise TimestampError(_("L'autorité d'horodatage a horodaté une autre empreinte que "
                               "celle demandée."))
    return Token(token.dump(), info["gen_time"].native)


@dataclass(frozen=True)
class Verification:
    intact: bool  # the token is over these data
    valid: bool  # the authority's signature holds
    trusted: bool  # the authority's certificate chains to a trust root
    gen_time: datetime

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted


def verify(token: bytes, data: bytes, trust_roots: list[x509.Certificate]) -> Verification:
    """Check a token against the data it should cover and the authority's trust roots."""
    signed = cms.ContentInfo.load(token)["content"]
    context = ValidationContext(trust_roots=trust_roots)
    status = asyncio.run(validate_tst_signed_data(
        signed, context, lambda algorithm: hashlib.new(algorithm, data).digest()))
    return Verification(bool(status["intact"]), bool(status["valid"]),
                        status["trust_problem_indic"] is None, status["timestamp"])
