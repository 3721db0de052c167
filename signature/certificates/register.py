"""Putting certificates in the register: from a file, a PKCS#12, a PKCS#11 token, or the
parapheur's signing keys. A certificate is registered once (by its SHA-256 fingerprint);
importing it again is refused with the sentence that says where it already is, and reading the
parapheur's keys again adds only the new ones."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning.models import RegistryMember, RegistryPerson

from ..errors import SignatureError
from ..models import SigningKey
from ..pki import keys
from . import reading
from .models import KINDS, PARAPHEUR, SEAL, SIGNING, MemberCertificate
from .reading import Found


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def _pem(certificates) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


def register(found: Found, member: RegistryMember, kind: str,
             holder: RegistryPerson | None = None, imported_by: str = "",
             signing_key: SigningKey | None = None) -> MemberCertificate:
    """Add a certificate read by `reading` to the register."""
    if kind not in dict(KINDS):
        raise SignatureError(_("La nature de certificat « %(kind)s » est inconnue.")
                             % {"kind": kind})
    certificate = found.certificate
    sha256 = reading.fingerprint(certificate)
    existing = MemberCertificate.objects.select_related("member").filter(sha256=sha256).first()
    if existing is not None:
        raise SignatureError(_("Ce certificat (%(holder)s, numéro de série %(serial)s) est déjà "
                               "dans le registre, pour %(member)s.")
                             % {"holder": existing.holder_name, "serial": existing.serial,
                                "member": existing.member.name})
    info = keys.describe(certificate)
    record = MemberCertificate(
        member=member, holder=holder,
        holder_name=(f"{holder.given_name} {holder.surname}" if holder is not None
                     else info.common_name)[:200],
        holder_email=holder.email if holder is not None else "",
        kind=kind, subject=info.subject[:500], issuer=info.issuer[:500],
        issuer_name=_common_name(certificate.issuer)[:200], serial=info.serial,
        not_before=info.not_before, not_after=info.not_after,
        policy_oids=reading.policy_oids(certificate), sha256=sha256, certificate=info.pem,
        chain=_pem(found.chain), source=found.source, source_detail=found.source_detail[:300],
        signing_key=signing_key, imported_by=imported_by, imported_at=timezone.now())
    with transaction.atomic():
        record.save()
    return record


def import_file(data: bytes, name: str, member: RegistryMember, kind: str,
                holder: RegistryPerson | None = None, password: str = "",
                imported_by: str = "", check: bool = True) -> MemberCertificate:
    """Register the certificate of a PEM, DER or PKCS#12 file, then check it."""
    record = register(reading.read_file(data, name, password), member, kind, holder,
                      imported_by)
    if check:
        from .checks import check_certificate

        check_certificate(record)
    return record


def import_token(token: str, member: RegistryMember, kind: str, pin: str = "",
                 label: str = "", holder: RegistryPerson | None = None,
                 imported_by: str = "", check: bool = True) -> list[MemberCertificate]:
    """Register the holders' certificates on a PKCS#11 token of the configured module (those
    not registered yet), then check them."""
    from .checks import check_certificate

    found = reading.read_token(conf.MUTUALIS_PKCS11_MODULE, token, pin, label)
    known = set(MemberCertificate.objects.filter(
        sha256__in=[reading.fingerprint(f.certificate) for f in found])
        .values_list("sha256", flat=True))
    fresh = [f for f in found if reading.fingerprint(f.certificate) not in known]
    if not fresh:
        raise SignatureError(_("Les certificats du jeton PKCS#11 « %(token)s » sont déjà tous "
                               "dans le registre.") % {"token": token})
    records = [register(f, member, kind, holder, imported_by) for f in fresh]
    if check:
        for record in records:
            check_certificate(record)
    return records


def read_parapheur_keys(imported_by: str = "system") -> list[MemberCertificate]:
    """Register the certificates of the parapheur's active signing keys not registered yet:
    an official's (kind `signing`, the member of their seat) and a member's seal."""
    from ..workflow.people import seat_member

    registered = set(MemberCertificate.objects.values_list("sha256", flat=True))
    added = []
    for key in (SigningKey.objects.filter(active=True).select_related("person", "member")
                .order_by("pk").iterator()):
        certificate = x509.load_pem_x509_certificate(key.certificate.encode())
        if reading.fingerprint(certificate) in registered:
            continue
        member = key.member if key.kind == SigningKey.SEAL else seat_member(key.person)
        if member is None:  # a person with no seat left: nobody's to manage
            continue
        detail = (_("cachet de %(member)s") % {"member": member.name}
                  if key.kind == SigningKey.SEAL else
                  _("clé de %(uid)s (%(storage)s)") % {"uid": key.person.uid,
                                                      "storage": key.storage})
        found = Found(certificate, [], PARAPHEUR, detail)
        added.append(register(found, member, SEAL if key.kind == SigningKey.SEAL else SIGNING,
                              key.person, imported_by, signing_key=key))
        registered.add(added[-1].sha256)
    return added


def record_identity_check(certificate: MemberCertificate, checked_by: str, checked_on,
                          documents: str, notes: str = "", recorded_by: str = ""):
    """The syndicate's registration-authority record: who checked the holder's identity,
    when, and which documents they saw."""
    from .models import IdentityCheck

    if not checked_by.strip():
        raise SignatureError(_("Indiquez qui a vérifié l'identité du titulaire."))
    if not documents.strip():
        raise SignatureError(_("Indiquez les pièces présentées par le titulaire (pièce "
                               "d'identité, délégation…)."))
    if checked_on > timezone.localdate():
        raise SignatureError(_("La date de la vérification d'identité (%(date)s) est dans le "
                               "futur.") % {"date": checked_on.strftime("%d/%m/%Y")})
    return IdentityCheck.objects.create(certificate=certificate, checked_by=checked_by.strip(),
                                        checked_on=checked_on, documents=documents.strip(),
                                        notes=notes.strip(), recorded_by=recorded_by)
