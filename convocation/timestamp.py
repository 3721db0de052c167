"""RFC 3161 timestamps of the sending manifest.

`timestamp(data)` asks the timestamp authority of the settings (`MUTUALIS_TSA_URL`, with
`MUTUALIS_TSA_USER` / `MUTUALIS_TSA_PASSWORD` when it needs them) for a token over the
SHA-256 of `data`; `verify(token, data, trust_roots)` checks a token against the data and the
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
from django.conf import settings
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

CONTENT_TYPE = "application/timestamp-query"


class TimestampError(Exception):
    """The authority could not be reached or refused; the sentence says which."""


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
            raise TimestampError(f"the timestamp authority {self.url} did not answer: "
                                 f"{type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise TimestampError(f"the timestamp authority {self.url} answered HTTP "
                                 f"{answer.status_code}")
        return answer.content


def configured_authority() -> Authority | None:
    """The authority of the settings, or None when no MUTUALIS_TSA_URL is set."""
    url = getattr(settings, "MUTUALIS_TSA_URL", "")
    if not url:
        return None
    return HttpAuthority(url, getattr(settings, "MUTUALIS_TSA_USER", ""),
                         getattr(settings, "MUTUALIS_TSA_PASSWORD", ""))


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
        raise TimestampError(str(exc)) from exc
    info = token["content"]["encap_content_info"]["content"].parsed
    if info["message_imprint"]["hashed_message"].native != digest:
        raise TimestampError("the timestamp authority stamped another digest")
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
