"""user_ldap's configuration API (apps/user_ldap/lib/Controller/ConfigAPIController.php).

Only the configuration is kept: the emulator never connects to a directory. Keys, defaults
and value handling follow apps/user_ldap/lib/Configuration.php (getDefaults,
getConfigTranslationArray, setConfiguration, readConfiguration) and lib/Helper.php
(getNextServerConfigurationPrefix).
"""

from __future__ import annotations

import re
from typing import Any

from .ocs import OcsRequest, Route, bad_request, not_found

# Configuration.php getDefaults, under the keys of getConfigTranslationArray
DEFAULTS: dict[str, Any] = {
    "ldapHost": "", "ldapPort": "", "ldapBackupHost": "", "ldapBackupPort": "",
    "ldapOverrideMainServer": "", "ldapAgentName": "", "ldapAgentPassword": "",
    "ldapBase": "", "ldapBaseUsers": "", "ldapBaseGroups": "",
    "ldapUserFilterObjectclass": "", "ldapUserFilterGroups": "", "ldapUserFilter": "",
    "ldapUserFilterMode": 0, "ldapUserAvatarRule": "default", "ldapLoginFilter": "",
    "ldapLoginFilterMode": 0, "ldapLoginFilterEmail": 0, "ldapLoginFilterUsername": 1,
    "ldapLoginFilterAttributes": "", "ldapGroupFilter": "", "ldapGroupFilterMode": 0,
    "ldapGroupFilterObjectclass": "", "ldapGroupFilterGroups": "", "ldapGidNumber": "gidNumber",
    "ldapUserDisplayName": "displayName", "ldapUserDisplayName2": "",
    "ldapGroupDisplayName": "cn", "ldapTLS": 0, "ldapQuotaDefault": "",
    "ldapQuotaAttribute": "", "ldapEmailAttribute": "", "ldapGroupMemberAssocAttr": "",
    "ldapCacheTTL": 600, "ldapUuidUserAttribute": "auto", "ldapUuidGroupAttribute": "auto",
    "homeFolderNamingRule": "", "turnOffCertCheck": 0, "ldapConfigurationActive": 0,
    "ldapAttributesForUserSearch": "", "ldapAttributesForGroupSearch": "",
    "ldapExpertUsernameAttr": "", "ldapExpertUUIDUserAttr": "", "ldapExpertUUIDGroupAttr": "",
    "hasMemberOfFilterSupport": 0, "useMemberOfToDetectMembership": 1,
    "lastJpegPhotoLookup": 0, "ldapNestedGroups": 0, "ldapPagingSize": 500,
    "turnOnPasswordChange": 0, "ldapExperiencedAdmin": 0, "ldapDynamicGroupMemberURL": "",
    "ldapDefaultPPolicyDN": "", "ldapExtStorageHomeAttribute": "",
}
# Configuration.php setConfiguration: values set with setMultiLine
MULTI_LINE = frozenset({
    "ldapBase", "ldapBaseUsers", "ldapBaseGroups", "ldapAttributesForUserSearch",
    "ldapAttributesForGroupSearch", "ldapUserFilterObjectclass", "ldapUserFilterGroups",
    "ldapGroupFilterObjectclass", "ldapGroupFilterGroups", "ldapLoginFilterAttributes"})
# Configuration.php readConfiguration: read with getLcValue
LOWER_CASE = frozenset({"ldapUserDisplayName2", "ldapGroupDisplayName"})
PASSWORD = "ldapAgentPassword"


def _stored(value: Any) -> Any:
    # IConfig::setAppValue keeps strings: PHP casts true to "1" and false to ""
    if isinstance(value, bool):
        return "1" if value else ""
    return value if isinstance(value, list) else str(value)


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    if key == PASSWORD:  # setRawValue: kept as given
        config[key] = _stored(value)
    elif key in MULTI_LINE:
        # setMultiLine: split on line breaks and ';', trimmed, empty lines dropped
        if isinstance(value, list):
            lines = [str(v).strip() for v in value]
        else:
            lines = [v.strip() for v in re.split(r"\r\n|\r|\n|;", _stored(value))]
        config[key] = [v for v in lines if v]
    elif key == "homeFolderNamingRule":
        text = _stored(value).strip()
        config[key] = f"attr:{text}" if text and "attr:" not in text else text
    else:  # setValue: strings are trimmed
        config[key] = _stored(value).strip() if isinstance(value, str) else _stored(value)


def _checked(req: OcsRequest, config_id: str) -> dict[str, Any]:
    # ConfigAPIController ensureConfigIDExists: OCSNotFoundException('Config ID not found')
    config = req.state.ldap_configs.get(config_id)
    if config is None:
        raise not_found("Config ID not found")
    return config


def create_config(req: OcsRequest) -> dict[str, str]:
    # ConfigAPIController create: the next prefix (Helper getNextServerConfigurationPrefix:
    # s01, then the last number plus one), saved inactive (ldapConfigurationActive = false)
    state = req.state
    with state.lock:
        numbers = [int(p[1:]) for p in state.ldap_configs if re.fullmatch(r"s\d+", p)]
        prefix = f"s{max(numbers) + 1:02d}" if numbers else "s01"
        state.ldap_configs[prefix] = {"ldapConfigurationActive": _stored(False)}
    return {"configID": prefix}


def show_config(req: OcsRequest, configID: str) -> dict[str, Any]:
    # ConfigAPIController show: every key; the password as '***' unless showPassword;
    # multi-line values joined with ';'
    config = _checked(req, configID)
    data: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        value = config.get(key, default)
        if isinstance(value, list):
            value = ";".join(value)
        if key in LOWER_CASE and isinstance(value, str):
            value = value.lower()
        data[key] = value
    if not req.bool_param("showPassword"):
        data[PASSWORD] = "***"
    return data


def modify_config(req: OcsRequest, configID: str) -> list[Any]:
    # ConfigAPIController modify: configData must be a map; its known keys are set, the
    # others ignored
    with req.state.lock:
        config = _checked(req, configID)
        data = req.params.get("configData")
        if not isinstance(data, dict):
            raise bad_request("configData is not properly set")
        for key in DEFAULTS:
            if key in data and data[key] is not None:
                _set(config, key, data[key])
    return []


def delete_config(req: OcsRequest, configID: str) -> list[Any]:
    with req.state.lock:
        _checked(req, configID)
        del req.state.ldap_configs[configID]
    return []


_C = "/apps/user_ldap/api/v1/config"

# ConfigAPIController: #[ApiRoute] and #[AuthorizedAdminSetting] on each method
ROUTES: list[Route] = [
    Route("POST", _C, create_config, admin=True),
    Route("GET", _C + "/{configID}", show_config, admin=True),
    Route("PUT", _C + "/{configID}", modify_config, admin=True),
    Route("DELETE", _C + "/{configID}", delete_config, admin=True),
]
