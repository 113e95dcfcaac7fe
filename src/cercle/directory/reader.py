"""Reading the directory with ldap3: the connection, the attribute presets (OpenLDAP's and
Active Directory's names), a paged search of people, the groups and their nested members.

Nothing here writes to Cercle: `actions.py` plans and applies what was read.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

# Cercle's attributes, in the order the pages show them.
ATTRIBUTES = (
    "key",
    "username",
    "email",
    "first_name",
    "last_name",
    "display_name",
    "job_title",
    "department",
    "site",
    "phone",
    "manager",
    "language",
    "photo",
    "disabled",
    "member_of",
    "group_member",
)
BINARY = {"photo", "key"}

PRESETS: dict[str, dict[str, str]] = {
    "openldap": {
        "key": "entryUUID",
        "username": "uid",
        "email": "mail",
        "first_name": "givenName",
        "last_name": "sn",
        "display_name": "cn",
        "job_title": "title",
        "department": "departmentNumber,ou",
        "site": "l",
        "phone": "telephoneNumber",
        "manager": "manager",
        "language": "preferredLanguage",
        "photo": "jpegPhoto",
        "disabled": "",
        "member_of": "",
        "group_member": "member,uniqueMember",
    },
    "active_directory": {
        "key": "objectGUID",
        "username": "sAMAccountName",
        "email": "mail,userPrincipalName",
        "first_name": "givenName",
        "last_name": "sn",
        "display_name": "displayName,cn",
        "job_title": "title",
        "department": "department",
        "site": "physicalDeliveryOfficeName,l",
        "phone": "telephoneNumber",
        "manager": "manager",
        "language": "preferredLanguage",
        "photo": "thumbnailPhoto,jpegPhoto",
        "disabled": "userAccountControl",
        "member_of": "memberOf",
        "group_member": "member",
    },
}
DEFAULT_FILTERS = {
    "openldap": (
        "(objectClass=inetOrgPerson)",
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    ),
    "active_directory": ("(&(objectClass=user)(objectCategory=person))", "(objectClass=group)"),
}
# userAccountControl's ACCOUNTDISABLE flag.
AD_DISABLED = 0x2
# Active Directory's capability, in the root DSE's supportedCapabilities.
AD_CAPABILITY = "1.2.840.113556.1.4.800"
# LDAP_MATCHING_RULE_IN_CHAIN: Active Directory follows nested groups itself.
IN_CHAIN = "1.2.840.113556.1.4.1941"
PAGE_SIZE = 500
TIMEOUT = 15


class DirectoryError(Exception):
    """The directory could not be reached or refused the bind or the search."""


@dataclass(frozen=True)
class Config:
    server_uri: str
    bind_dn: str
    bind_password: str
    user_base_dn: str
    user_filter: str
    group_base_dn: str
    group_filter: str
    preset: str
    attribute_map: Mapping[str, str]
    start_tls: bool = False
    max_deactivation_percent: int = 10
    source: str = "database"  # or "environment"
    # names() read for every attribute of every entry: worked out once per attribute.
    _names: dict[str, list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def names(self, attribute: str) -> list[str]:
        """The directory's attribute names for one of Cercle's (the first present wins)."""
        found = self._names.get(attribute)
        if found is None:
            value = self.attribute_map.get(attribute) or PRESETS[self.preset].get(attribute, "")
            found = [name.strip() for name in value.replace(";", ",").split(",") if name.strip()]
            self._names[attribute] = found
        return list(found)

    @property
    def mapping(self) -> dict[str, str]:
        return {name: ", ".join(self.names(name)) for name in ATTRIBUTES}

    @property
    def people_filter(self) -> str:
        return self.user_filter or DEFAULT_FILTERS[self.preset][0]

    @property
    def groups_filter(self) -> str:
        return self.group_filter or DEFAULT_FILTERS[self.preset][1]

    def requested_attributes(self) -> list[str]:
        wanted: list[str] = []
        for name in ATTRIBUTES:
            if name != "group_member":
                wanted.extend(self.names(name))
        return list(dict.fromkeys(wanted))


def environment_config() -> Config | None:
    """`CERCLE_LDAP_*` (settings.CERCLE_LDAP), when the server address is set."""
    values: Mapping[str, Any] = getattr(django_settings, "CERCLE_LDAP", {}) or {}
    if not values.get("server_uri"):
        return None
    preset = values.get("preset") or "openldap"
    return Config(
        server_uri=values["server_uri"],
        bind_dn=values.get("bind_dn", ""),
        bind_password=values.get("bind_password", ""),
        user_base_dn=values.get("user_base_dn", ""),
        user_filter=values.get("user_filter", ""),
        group_base_dn=values.get("group_base_dn", ""),
        group_filter=values.get("group_filter", ""),
        preset=preset if preset in PRESETS else "openldap",
        attribute_map=dict(values.get("attribute_map") or {}),
        start_tls=bool(values.get("start_tls")),
        max_deactivation_percent=int(values.get("max_deactivation_percent", 10)),
        source="environment",
    )


# --- Connecting and searching -----------------------------------------------------------------


def connect(config: Config, *, bind_dn: str | None = None, password: str | None = None) -> Any:
    """A bound connection (the service account's, or `bind_dn`'s); raises DirectoryError."""
    tls = None
    if config.server_uri.startswith("ldaps://") or config.start_tls:
        ldap_settings = getattr(django_settings, "CERCLE_LDAP", {}) or {}
        ca_file = ldap_settings.get("ca_file") or None
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file)
    try:
        server = Server(
            config.server_uri.rstrip("/"), get_info=NONE, connect_timeout=TIMEOUT, tls=tls
        )
        conn = Connection(
            server,
            user=config.bind_dn if bind_dn is None else bind_dn,
            password=config.bind_password if password is None else password,
            receive_timeout=TIMEOUT * 4,
            raise_exceptions=False,
            read_only=True,
            # No schema is read (get_info=NONE): Cercle reads the raw values only, so the
            # values formatted by the schema's syntaxes would be work for nothing.
            check_names=False,
        )
        if not conn.open() and conn.closed:
            raise DirectoryError(f"cannot reach {config.server_uri}")
        if config.start_tls and not conn.start_tls():
            raise DirectoryError(f"StartTLS refused: {conn.result.get('description')}")
        if not conn.bind():
            raise DirectoryError(f"bind refused: {conn.result.get('description')}")
    except LDAPException as error:
        raise DirectoryError(str(error)) from error
    return conn


def is_active_directory(conn: Any) -> bool:
    ok = conn.search(
        "", "(objectClass=*)", search_scope="BASE", attributes=["supportedCapabilities"]
    )
    if not ok or not conn.response:
        return False
    raw = conn.response[0].get("raw_attributes", {}).get("supportedCapabilities", [])
    return any(_text(value) == AD_CAPABILITY for value in raw)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def normalise_dn(dn: str) -> str:
    return ",".join(part.strip() for part in dn.split(",")).lower()


def paged(conn: Any, base: str, search_filter: str, attributes: list[str]) -> Iterator[Any]:
    """Entries of a paged search (simple paged results control, 500 at a time)."""
    try:
        results = conn.extend.standard.paged_search(
            base,
            search_filter,
            search_scope=SUBTREE,
            attributes=attributes,
            paged_size=PAGE_SIZE,
            generator=True,
        )
        for entry in results:
            if entry.get("type") == "searchResEntry":
                yield entry
    except LDAPException as error:
        raise DirectoryError(str(error)) from error
    if conn.result and conn.result.get("result") not in (0, None):
        raise DirectoryError(f"search refused: {conn.result.get('description')}")


# --- People -----------------------------------------------------------------------------------


@dataclass
class PersonEntry:
    dn: str
    key: str
    username: str
    email: str
    first_name: str
    last_name: str
    job_title: str = ""
    department: str = ""
    site: str = ""
    phone: str = ""
    manager_dn: str = ""
    language: str = ""
    disabled: bool = False
    photo: bytes = b""
    member_of: list[str] = field(default_factory=list)

    def digest(self) -> str:
        # What `dataclasses.asdict` gives, the photo by its digest: written out, as this runs
        # for every entry of every run (asdict's deep copy cost more than the rest of it).
        values = {name: getattr(self, name) for name in _DIGESTED}
        values["member_of"] = list(self.member_of)
        values["photo"] = photo_digest(self.photo)
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()

    def display(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username or self.dn


_DIGESTED = tuple(name for name in PersonEntry.__dataclass_fields__ if name != "photo")


def photo_digest(photo: bytes) -> str:
    return hashlib.sha256(photo).hexdigest() if photo else ""


def _lowered(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's raw attributes by their lower-case names (read once per entry)."""
    return {key.lower(): value for key, value in dict(entry.get("raw_attributes", {})).items()}


def _raw(
    entry: Mapping[str, Any], names: list[str], lowered: dict[str, Any] | None = None
) -> list[Any]:
    if lowered is None:
        lowered = _lowered(entry)
    for name in names:
        values = lowered.get(name.lower())
        if values:
            return list(values)
    return []


def _first(
    entry: Mapping[str, Any], names: list[str], lowered: dict[str, Any] | None = None
) -> str:
    values = _raw(entry, names, lowered)
    return _text(values[0]).strip() if values else ""


def _key(
    entry: Mapping[str, Any], config: Config, username: str, lowered: dict[str, Any] | None = None
) -> str:
    values = _raw(entry, config.names("key"), lowered)
    if not values:
        return f"dn:{normalise_dn(entry['dn'])}" if not username else f"uid:{username.lower()}"
    value = values[0]
    if isinstance(value, bytes) and len(value) == 16:
        return str(uuid.UUID(bytes_le=value))  # Active Directory's objectGUID
    return _text(value).strip().lower()


def read_person(entry: Mapping[str, Any], config: Config) -> PersonEntry:
    raw = _lowered(entry)

    def first(attribute: str) -> str:
        return _first(entry, config.names(attribute), raw)

    username = first("username")
    if "@" in username and config.preset == "active_directory":
        username = username.split("@", 1)[0]
    first_name = first("first_name")
    last = first("last_name")
    if not (first_name and last):
        display = first("display_name")
        head, _space, rest = display.partition(" ")
        first_name, last = first_name or head, last or rest or head
    disabled = False
    flag = first("disabled")
    if flag:
        try:
            disabled = bool(int(flag) & AD_DISABLED)
        except ValueError:
            disabled = flag.lower() in {"true", "yes", "1", "disabled"}
    photos = _raw(entry, config.names("photo"), raw)
    photo = photos[0] if photos and isinstance(photos[0], bytes) else b""
    return PersonEntry(
        dn=entry["dn"],
        key=_key(entry, config, username, raw),
        username=username,
        email=first("email").lower(),
        first_name=first_name,
        last_name=last,
        job_title=first("job_title"),
        department=first("department"),
        site=first("site"),
        phone=first("phone"),
        manager_dn=first("manager"),
        language=first("language"),
        disabled=disabled,
        photo=photo,
        member_of=[_text(v) for v in _raw(entry, config.names("member_of"), raw)],
    )


def people(conn: Any, config: Config) -> Iterator[PersonEntry]:
    for entry in paged(
        conn, config.user_base_dn, config.people_filter, config.requested_attributes()
    ):
        yield read_person(entry, config)


def find_person(conn: Any, config: Config, login: str) -> tuple[str, PersonEntry] | None:
    """The entry whose username or email is `login` (exactly one), for a sign-in."""
    login = escape_filter_chars(login.strip())
    alternatives = "".join(
        f"({name}={login})" for name in [*config.names("username"), *config.names("email")]
    )
    search_filter = f"(&{config.people_filter}(|{alternatives}))"
    found = list(paged(conn, config.user_base_dn, search_filter, config.requested_attributes()))
    if len(found) != 1:
        return None
    return found[0]["dn"], read_person(found[0], config)


# --- Groups -----------------------------------------------------------------------------------


def groups(conn: Any, config: Config) -> dict[str, set[str]]:
    """Every group under the groups' base: its DN (normalised) → its members' DNs."""
    if not config.group_base_dn:
        return {}
    names = config.names("group_member")
    found: dict[str, set[str]] = {}
    for entry in paged(conn, config.group_base_dn, config.groups_filter, names):
        found[normalise_dn(entry["dn"])] = {normalise_dn(_text(v)) for v in _raw(entry, names)}
        # A group with members in several attributes (member and uniqueMember): all count.
        raw = {k.lower(): v for k, v in entry.get("raw_attributes", {}).items()}
        for name in names[1:]:
            found[normalise_dn(entry["dn"])] |= {
                normalise_dn(_text(v)) for v in raw.get(name.lower(), [])
            }
    return found


def expand(group_dn: str, all_groups: Mapping[str, set[str]]) -> set[str]:
    """The DNs of the people in a group and in the groups inside it, at any depth; a group
    met twice (a cycle) is expanded once."""
    people_dns: set[str] = set()
    seen: set[str] = set()
    waiting = [normalise_dn(group_dn)]
    while waiting:
        current = waiting.pop()
        if current in seen:
            continue
        seen.add(current)
        for member in all_groups.get(current, set()):
            if member in all_groups:
                waiting.append(member)
            else:
                people_dns.add(member)
    return people_dns


def in_chain_members(conn: Any, config: Config, group_dn: str) -> set[str]:
    """Active Directory: the people of a group at any depth, by the server itself."""
    search_filter = (
        f"(&{config.people_filter}(memberOf:{IN_CHAIN}:={escape_filter_chars(group_dn)}))"
    )
    return {normalise_dn(e["dn"]) for e in paged(conn, config.user_base_dn, search_filter, ["1.1"])}
