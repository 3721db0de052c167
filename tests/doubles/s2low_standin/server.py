"""StandIn, startable in-process (tests) or from the command line (main)."""

from __future__ import annotations

import argparse
import ssl
import threading
from datetime import date

from actes.teletransmission import naming
from actes.teletransmission.returns import MessageKind

from .handler import _Handler, _Server
from .state import Collectivite, StandInState


class StandIn:
    """The stand-in, startable in-process (tests) or from the command line."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        siren: str | None = None,
        department: str = "079",
        login: str | None = None,
        password: str | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        client_ca: str | None = None,
        trigram: str = naming.DEFAULT_TRIGRAM,
        application: str = naming.DEFAULT_APPLICATION,
        auto_advance: bool = True,
        clock=date.today,
        acquit_after: float | None = None,
    ):
        self.state = StandInState(
            Collectivite(siren=siren, department=department),
            trigram,
            application,
            auto_advance,
            clock,
            acquit_after,
        )
        self._server = _Server((host, port), _Handler)
        self._server.state = self.state
        self._server.credentials = (login, password or "") if login else None
        self.scheme = "http"
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            if client_ca:
                # Like S²LOW's Apache (SSLVerifyClient require): no certificate, no access.
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def start(self) -> StandIn:
        # A short poll interval: stop() returns within 50 ms.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="s2low-standin",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # In-process control, the same as the /_standin/ endpoints.
    def advance(self, transaction_id: str | int, to: int | None = None) -> int:
        with self.state.lock:
            transaction = self.state.transactions[int(transaction_id)]
            self.state.advance(transaction, to)
            return transaction.status

    def emit(self, transaction_id: str | int, kind: MessageKind, text: str | None = None) -> int:
        with self.state.lock:
            return self.state.emit(self.state.transactions[int(transaction_id)], kind, text).id

    def anomaly(
        self,
        transaction_id: str | int,
        code: str = "006",
        detail: str = "Le fichier de l'acte est illisible",
    ) -> None:
        with self.state.lock:
            self.state.anomaly(self.state.transactions[int(transaction_id)], code, detail)

    def helios_advance(self, transaction_id: str | int, to: int | None = None) -> int:
        with self.state.lock:
            transaction = self.state.helios.transactions[int(transaction_id)]
            self.state.helios.advance(transaction, to)
            return transaction.status

    def helios_acquit(
        self, transaction_id: str | int, refused: str | None = None, details: bool = False
    ) -> int:
        with self.state.lock:
            transaction = self.state.helios.transactions[int(transaction_id)]
            self.state.helios.acquit(transaction, refused, details)
            return transaction.status

    def helios_retour(self, siret: str, transaction_id: str | int | None = None) -> int:
        with self.state.lock:
            desk = self.state.helios
            transaction = desk.transactions[int(transaction_id)] if transaction_id else None
            return desk.new_retour(siret, transaction).id

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self.state.lock:
            self.state.faults.extend([status] * count)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.doubles.s2low_standin",
                                     description="A local stand-in for S²LOW (not S²LOW).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--siren", help="SIREN of the collectivité the account belongs to")
    parser.add_argument("--department", default="079")
    parser.add_argument("--login")
    parser.add_argument("--password")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    parser.add_argument("--trigram", default=naming.DEFAULT_TRIGRAM)
    parser.add_argument("--application", default=naming.DEFAULT_APPLICATION)
    parser.add_argument(
        "--manual", action="store_true", help="statuses move only through /_standin/advance"
    )
    parser.add_argument(
        "--acquit-after",
        type=float,
        help="seconds after which a transmitted PES flux is acquitted (default: on request)",
    )
    args = parser.parse_args(argv)
    standin = StandIn(
        args.host,
        args.port,
        siren=args.siren,
        department=args.department,
        login=args.login,
        password=args.password,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        client_ca=args.client_ca,
        trigram=args.trigram,
        application=args.application,
        auto_advance=not args.manual,
        acquit_after=args.acquit_after,
    )
    print(f"S²LOW stand-in (not S²LOW) listening on {standin.url}", flush=True)
    try:
        standin._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin._server.server_close()
