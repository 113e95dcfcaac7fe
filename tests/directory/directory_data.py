"""A real OpenLDAP server for the tests and the benchmark (python-ldap's `slapdtest` helper
driving Debian's slapd on loopback), and the generated people and groups it serves."""

from __future__ import annotations

import base64
import io
import os
import random
import socket
import tempfile
import uuid
from pathlib import Path

from PIL import Image
from slapdtest import SlapdObject
from slapdtest._slapdtest import SLAPD_CONF_TEMPLATE

HERE = Path(__file__).parent
SUFFIX = "dc=example,dc=org"
# The ports of this branch's range (8250-8259), else any free one.
PORTS = range(int(os.environ.get("CERCLE_SLAPD_PORT", "8250")), 8260)


class Slapd(SlapdObject):  # type: ignore[misc]
    suffix = SUFFIX
    root_cn = "admin"
    root_pw = "admin-password"
    slapd_loglevel = "0"
    TMPDIR = tempfile.gettempdir()  # slapdtest's default is the current directory
    # LMDB's default map is 10 MB: the benchmark's 100,000 people need more.
    slapd_conf_template = SLAPD_CONF_TEMPLATE + "olcDbMaxSize: 4294967296\n"
    openldap_schema_files = (
        "core.ldif",
        "cosine.ldif",
        "inetorgperson.ldif",
        str(HERE / "cercle-ad.ldif"),
    )

    def _avail_tcp_port(self) -> int:
        for port in PORTS:
            with socket.socket() as sock:
                try:
                    sock.bind((self.local_host, port))
                except OSError:
                    continue
                return port
        return int(super()._avail_tcp_port())

    def add_ldif(self, ldif: str) -> None:
        self.ldapadd(ldif)


def start() -> Slapd:
    server = Slapd()
    server.start()
    server.ldapadd(
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n"
    )
    return server


def jpeg(seed: int) -> bytes:
    colour = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "JPEG")
    return out.getvalue()


DEPARTMENTS = ["Ventes", "Informatique", "Ressources humaines", "Finance", "Communication"]
SITES = ["Lyon", "Paris", "Nantes"]


def ou(name: str) -> str:
    return f"dn: ou={name},{SUFFIX}\nobjectClass: organizationalUnit\nou: {name}\n"


def person_ldif(
    base: str,
    index: int,
    *,
    ad: bool = False,
    title: str | None = None,
    photo: bool = False,
    manager: int | None = None,
    disabled: bool = False,
) -> str:
    uid = f"p{index:06d}"
    first = random.Random(index).choice(["Anne", "Bruno", "Chloé", "David", "Élise", "Farid"])
    last = f"Martin{index}"
    lines = [
        f"dn: uid={uid},{base}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {first} {last}",
        f"givenName: {first}",
        f"sn: {last}",
        f"mail: {uid}@example.org",
        f"title: {title or 'Chargé de mission'}",
        f"userPassword: pw-{uid}",
        f"telephoneNumber: +33 1 00 00 {index % 100:02d} {index // 100 % 100:02d}",
    ]
    department = DEPARTMENTS[index % len(DEPARTMENTS)]
    site = SITES[index % len(SITES)]
    if manager is not None:
        lines.append(f"manager: uid=p{manager:06d},{base}")
    if ad:
        guid = uuid.UUID(int=index + 1)
        lines += [
            "objectClass: user",
            f"sAMAccountName: {uid}",
            f"userPrincipalName: {uid}@corp.example.org",
            f"department: {department}",
            f"physicalDeliveryOfficeName: {site}",
            f"userAccountControl: {514 if disabled else 512}",
            "objectCategory: person",
            f"objectGUID:: {base64.b64encode(guid.bytes_le).decode()}",
        ]
        if photo:
            lines.append(f"thumbnailPhoto:: {base64.b64encode(jpeg(index)).decode()}")
    else:
        lines += [f"departmentNumber: {department}", f"l: {site}"]
        if photo:
            lines.append(f"jpegPhoto:: {base64.b64encode(jpeg(index)).decode()}")
    return "\n".join(lines) + "\n"


def people_ldif(base_ou: str, count: int, *, ad: bool = False, start: int = 0) -> str:
    """`count` people under ou=<base_ou>: a manager for everyone but the first (the person
    ten places before: a tree), a photo for one in ten."""
    base = f"ou={base_ou},{SUFFIX}"
    entries = [ou(base_ou)]
    for index in range(start, start + count):
        manager = None if index == start else start + (index - start - 1) // 10
        entries.append(person_ldif(base, index, ad=ad, photo=index % 10 == 3, manager=manager))
    return "\n".join(entries)


def group_ldif(base_ou: str, name: str, members: list[str]) -> str:
    lines = [f"dn: cn={name},ou={base_ou},{SUFFIX}", "objectClass: groupOfNames", f"cn: {name}"]
    lines += [f"member: {dn}" for dn in members]
    return "\n".join(lines) + "\n"


def person_dn(base_ou: str, index: int) -> str:
    return f"uid=p{index:06d},ou={base_ou},{SUFFIX}"
