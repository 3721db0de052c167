"""The connector to the archive system that receives SEDA transfers (an SAE such as As@lae
or Vitam behind the syndicate's or the departmental archives' gateway).

The interface, over HTTP (the archive system's gateway implements it; tests use the local
stand-in in tests/doubles/archive_standin):
- `POST <url>/transfers` with the SIP (a zip: manifest.xml and content/) as the body,
  `Content-Type: application/zip`: answers 201 with the SEDA 2.2 `Acknowledgement` as its
  body (application/xml) and the transfer's address in `Location`;
- `GET <url>/transfers/<id>/reply`: 200 with the SEDA 2.2 `ArchiveTransferReply` once the
  archive has decided (ReplyCode 000: accepted), 202 while it has not.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from mutualis import conf


class ArchiveUnavailable(Exception):
    """The archive system did not answer as its interface says (one sentence)."""


@dataclass
class ArchiveConnector:
    url: str
    timeout: float = 60.0

    @classmethod
    def configured(cls) -> ArchiveConnector | None:
        url = conf.MUTUALIS_GED_ARCHIVE_URL
        return cls(url.rstrip("/")) if url else None

    def send(self, sip: bytes) -> tuple[str, bytes]:
        """(transfer id, Acknowledgement XML)."""
        try:
            answer = httpx.post(f"{self.url}/transfers", content=sip, timeout=self.timeout,
                                headers={"Content-Type": "application/zip"})
        except httpx.HTTPError as exc:
            raise ArchiveUnavailable(f"le système d'archivage ne répond pas ({exc})") from exc
        if answer.status_code != 201 or "Location" not in answer.headers:
            raise ArchiveUnavailable(f"le système d'archivage a refusé le versement "
                                     f"(HTTP {answer.status_code}) : {answer.text[:200]}")
        return answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1], answer.content

    def reply(self, transfer_id: str) -> bytes | None:
        """The ArchiveTransferReply, or None while the archive has not decided."""
        try:
            answer = httpx.get(f"{self.url}/transfers/{transfer_id}/reply", timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ArchiveUnavailable(f"le système d'archivage ne répond pas ({exc})") from exc
        if answer.status_code == 202:
            return None
        if answer.status_code != 200:
            raise ArchiveUnavailable(f"réponse inattendue du système d'archivage "
                                     f"(HTTP {answer.status_code})")
        return answer.content
