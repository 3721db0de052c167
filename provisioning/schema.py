"""The published JSON Schema (draft 2020-12) of an inventory file (`mutualis schema` prints it).

The schema checks the shape of the YAML; `provisioning.loader` then checks what a schema
cannot (codes against the COG, names, dependencies, people met in several members...).
An Ansible Vault value appears in JSON as `{"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256..."}`
(the form Ansible itself uses); in YAML write it as a `!vault |` tagged scalar.
"""

from __future__ import annotations

import json

from .catalogue import MEMBER_KINDS, SERVICES

SCHEMA_ID = "urn:mutualis:schema:inventory:1"
# Keys under `backends` that hold secrets: only `${ENV_VAR}` references or Vault values.
SECRET_KEYS = ("password", "bind_password", "secret", "token", "api_key")
ENV_REF_PATTERN = r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"
UID_PATTERN = r"^[a-z][a-z0-9._-]{0,31}$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SIREN_PATTERN = r"^[0-9]{9}$"
# INSEE code of a commune (5 characters, 2A/2B in Corsica) or SIREN of an EPCI (9 digits).
MEMBER_CODE_PATTERN = r"^([0-9]{5}|2[AB][0-9]{3}|[0-9]{9})$"

# Nextcloud quotas: "none" or a size such as "5 GB".
QUOTA_PATTERN = r"^(none|[0-9]+(\.[0-9])? ?(MB|GB|TB))$"

# Mail quotas: "none" or a size such as "500 MB"; local parts of functional addresses.
MAIL_QUOTA_PATTERN = r"^(none|[0-9]+ ?(MB|GB))$"
LOCAL_PART_PATTERN = r"^[a-z0-9]+([.-][a-z0-9]+)*$"

# Longest text each field may hold: what the backends it reaches keep (the registry's
# columns, LDAP's attribute values, Wagtail's titles); TEXT_MAX for any other text.
TEXT_MAX = 1000
NAME_MAX = 200  # member and syndicate names, assemblies, seat titles (registry columns)
PERSON_NAME_MAX = 100  # given name, surname (registry columns)
EMAIL_MAX = 254  # RFC 5321's longest address
PHONE_MAX = 40
LABEL_MAX = 100  # a role or an assembly as written, a slug
VAULT_MAX = 65536


def _text(max_length: int = TEXT_MAX) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


_TEXT = _text()
_SECRET_REF = {"$ref": "#/$defs/secret"}


def _backend(description: str, required: tuple[str, ...] = ("url",), **properties: dict) -> dict:
    return {"type": "object", "description": description, "required": list(required),
            "additionalProperties": False, "properties": properties}


INVENTORY_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Mutualis inventory",
    "description": "A syndicate, the backends it runs and its members with their people.",
    "type": "object",
    "required": ["syndicate", "members"],
    "additionalProperties": False,
    "properties": {
        "syndicate": {
            "type": "object",
            "required": ["name", "siren", "domain"],
            "additionalProperties": False,
            "properties": {
                "name": _text(NAME_MAX),
                "siren": {"type": "string", "pattern": SIREN_PATTERN},
                "domain": {"$ref": "#/$defs/hostname"},
                "sites_domain": {
                    "$ref": "#/$defs/hostname",
                    "description": "Websites without `website` get <slug>.<sites_domain> "
                                   "(default: domain).",
                },
                "mail_domain": {
                    "$ref": "#/$defs/hostname",
                    "description": "Members of `messagerie` without `mail.domain` get "
                                   "<slug>.<mail_domain> (default: domain).",
                },
            },
        },
        "backends": {
            "type": "object",
            "description": "Every backend is optional; url `embedded` uses the servers of "
                           "`mutualis services start`.",
            "additionalProperties": False,
            "properties": {
                "ldap": _backend(
                    "Directory (OpenLDAP).",
                    url={"$ref": "#/$defs/url"}, base_dn=_TEXT, bind_dn=_TEXT,
                    bind_password=_SECRET_REF, start_tls={"type": "boolean"},
                    ca_file=_TEXT, timeout={"type": "number", "exclusiveMinimum": 0}),
                "nextcloud": _backend(
                    "Extranet, cloud share and tablet dossiers (Nextcloud).",
                    url={"$ref": "#/$defs/url"}, user=_TEXT, password=_SECRET_REF,
                    verify_tls={"type": "boolean"}, ca_file=_TEXT,
                    timeout={"type": "number", "exclusiveMinimum": 0},
                    mode={"enum": ["provisioned", "ldap"]},
                    user_quota={"type": "string", "pattern": QUOTA_PATTERN, "maxLength": 20},
                    folder_quota={"type": "string", "pattern": QUOTA_PATTERN,
                                  "maxLength": 20},
                    concurrency={"type": "integer", "minimum": 1, "maximum": 64},
                    retries={"type": "integer", "minimum": 0, "maximum": 10},
                    ldap_url={"$ref": "#/$defs/url"}, base_dn=_TEXT, bind_dn=_TEXT,
                    bind_password=_SECRET_REF, start_tls={"type": "boolean"},
                    ldap_config_id={"type": "string", "pattern": "^s[0-9]{2,}$",
                                    "maxLength": 20}),
                "caldav": _backend(
                    "Agendas (any CalDAV server).",
                    url={"$ref": "#/$defs/url"}, user=_TEXT, password=_SECRET_REF,
                    verify_tls={"type": "boolean"},
                    timeout={"type": "number", "exclusiveMinimum": 0}),
                "smtp": _backend(
                    "Outgoing mail: host (and port...), or url: embedded.", required=(),
                    url={"$ref": "#/$defs/url"}, host=_TEXT,
                    port={"type": "integer", "minimum": 1, "maximum": 65535},
                    user=_TEXT, password=_SECRET_REF, starttls={"type": "boolean"},
                    ssl={"type": "boolean"}, timeout={"type": "number", "exclusiveMinimum": 0},
                    **{"from": _TEXT}),
                "mail": _backend(
                    "Shared mail: the directory Postfix and Dovecot read, where the mail "
                    "attributes are written; dovecot_dir: the Dovecot instance's directory "
                    "on this host (shared mailboxes' ACL files); dkim_dir: OpenDKIM's "
                    "(the member domains' signing keys).",
                    url={"$ref": "#/$defs/url"}, base_dn=_TEXT, bind_dn=_TEXT,
                    bind_password=_SECRET_REF, start_tls={"type": "boolean"},
                    dovecot_dir=_TEXT, dkim_dir=_TEXT,
                    timeout={"type": "number", "exclusiveMinimum": 0}),
            },
        },
        "members": {"type": "array", "items": {"$ref": "#/$defs/member"}},
    },
    "$defs": {
        "hostname": {"type": "string", "minLength": 1, "maxLength": 253},
        "url": {"type": "string", "minLength": 1, "maxLength": 2000,
                "description": "A URL, or `embedded` for the embedded server."},
        "secret": {
            "description": "A `${ENV_VAR}` reference or an Ansible Vault value; never clear text.",
            "anyOf": [
                {"type": "string", "pattern": ENV_REF_PATTERN, "maxLength": 200},
                {"type": "object", "required": ["__ansible_vault"],
                 "additionalProperties": False,
                 "properties": {"__ansible_vault": {"type": "string",
                                                    "maxLength": VAULT_MAX,
                                                    "pattern": r"^\$ANSIBLE_VAULT;"}}},
            ],
        },
        "member": {
            "type": "object",
            "required": ["code", "name", "kind"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": MEMBER_CODE_PATTERN,
                         "description": "INSEE code (commune) or SIREN (EPCI), quoted."},
                "name": _text(NAME_MAX),
                "kind": {"enum": list(MEMBER_KINDS)},
                "population": {"type": "integer", "minimum": 0,
                               "description": "Filled from the COG when missing."},
                "website": {"$ref": "#/$defs/hostname",
                            "description": "Hostname of the website; accents allowed (IDNA)."},
                "services": {"type": "array", "uniqueItems": True,
                             "items": {"enum": list(SERVICES)}},
                "address": _text(500),
                "email": _text(EMAIL_MAX),
                "phone": _text(PHONE_MAX),
                "assemblies": {"type": "array", "items": {"$ref": "#/$defs/assembly"}},
                "people": {"type": "array", "items": {"$ref": "#/$defs/person"}},
                "mail": {"$ref": "#/$defs/member_mail"},
                "departments": {"type": "array", "items": {"$ref": "#/$defs/department"}},
            },
        },
        "department": {
            "type": "object",
            "description": "A department of the member (voirie, urbanisme, comptabilité...): "
                           "the courrier app routes items to it.",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {"slug": {"type": "string", "pattern": SLUG_PATTERN,
                                    "maxLength": LABEL_MAX},
                           "name": _text(NAME_MAX),
                           "people": {"type": "array", "uniqueItems": True,
                                      "description": "Who works in it: the email (or uid "
                                                     "when declared) of people of the member.",
                                      "items": _text(EMAIL_MAX)}},
        },
        "member_mail": {
            "type": "object",
            "description": "The member's shared mail (service `messagerie`).",
            "additionalProperties": False,
            "properties": {
                "domain": {"$ref": "#/$defs/hostname",
                           "description": "Its mail domain; accents allowed (IDNA)."},
                "quota": {"type": "string", "pattern": MAIL_QUOTA_PATTERN, "maxLength": 20,
                          "description": "Each mailbox's quota (a person's own wins)."},
                "leavers": {"enum": ["refuse", "forward"],
                            "description": "Mail to a person who left: refused (default), or "
                                           "forwarded to mairie@."},
                "shared": {
                    "type": "object", "description": "Shared mailboxes: local part -> the "
                    "people (email, or uid when declared) who read it; mairie and secretariat "
                    "exist always, read by the staff unless named here.",
                    "additionalProperties": {"type": "array", "uniqueItems": True,
                                             "items": _text(EMAIL_MAX)},
                    "propertyNames": {"pattern": LOCAL_PART_PATTERN, "maxLength": 64}},
                "lists": {
                    "type": "object", "description": "More lists: local part -> the assembly "
                    "slug whose members it follows (elus@ and one per assembly exist always).",
                    "additionalProperties": _text(LABEL_MAX),
                    "propertyNames": {"pattern": LOCAL_PART_PATTERN, "maxLength": 64}},
            },
        },
        "assembly": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {"slug": {"type": "string", "pattern": SLUG_PATTERN,
                                    "maxLength": LABEL_MAX},
                           "name": _text(NAME_MAX)},
        },
        "person": {
            "type": "object",
            "required": ["given_name", "surname", "email", "roles"],
            "additionalProperties": False,
            "properties": {
                "given_name": _text(PERSON_NAME_MAX),
                "surname": _text(PERSON_NAME_MAX),
                "email": _text(EMAIL_MAX),
                "uid": {"type": "string", "pattern": UID_PATTERN},
                "roles": {"type": "array", "minItems": 1, "uniqueItems": True,
                          "items": _text(LABEL_MAX)},
                "assemblies": {"type": "array", "uniqueItems": True,
                               "items": _text(LABEL_MAX)},
                "title": _text(NAME_MAX),
                "phone": _text(PHONE_MAX),
                "mail_quota": {"type": "string", "pattern": MAIL_QUOTA_PATTERN,
                               "maxLength": 20},
                "civility": {"type": "string", "minLength": 1, "maxLength": 20,
                             "description": "Mme or M. (Madame, Monsieur accepted); when "
                                            "absent, said by the roles' forms (adjointe...)."},
            },
        },
    },
}


def schema_json(indent: int = 2) -> str:
    """The schema as JSON text, as `mutualis schema` prints it."""
    return json.dumps(INVENTORY_SCHEMA, indent=indent, ensure_ascii=False)
