"""A real SAML 2.0 identity provider on loopback for the tests: pysaml2's `Server` (signing with
Debian's `xmlsec1`) behind a small WSGI app in a thread. Its single sign-on endpoint reads the
AuthnRequest Cercle redirected to it, and answers as a browser would see it: a page whose form
posts the signed response to Cercle's assertion consumer service. Its single logout endpoint
reads Cercle's LogoutRequest (kept in `logout_requests`) and redirects back with a signed
LogoutResponse; `logout_request_url` starts a logout at the provider's side."""

from __future__ import annotations

import datetime
import html
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

XMLSEC = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


def make_key_pair(directory: Path) -> tuple[Path, Path, str]:
    """A self-signed RSA certificate for the provider; returns key, cert and the cert's base64."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "idp.key", directory / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path.write_text(pem)
    body = "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)
    return key_path, cert_path, body


@dataclass
class SamlIdp:
    base_url: str
    entity_id: str
    sso_url: str
    slo_url: str
    cert: str
    directory: Path
    # Who the next sign-in is, as attributes by their LDAP names (pysaml2 sends their OIDs).
    identities: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    next_user: str = ""
    sp_metadata: str = ""
    # What each LogoutRequest Cercle sent said: {"name_id", "session_index", "issuer"}.
    logout_requests: list[dict[str, str]] = field(default_factory=list)
    # The SessionIndex of each sign-in answered, by user.
    session_indexes: dict[str, str] = field(default_factory=dict)

    def server(self) -> Server:
        key, cert = self.directory / "idp.key", self.directory / "idp.crt"
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC,
                "key_file": str(key),
                "cert_file": str(cert),
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [(self.slo_url, BINDING_HTTP_REDIRECT)],
                        },
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 15},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    }
                },
                "metadata": {"inline": [self.sp_metadata]},
            }
        )
        return Server(config=config)

    def answer(self, query: str) -> str:
        """The page the provider shows after its own sign-in: an auto-posting form."""
        params = parse_qs(query)
        server = self.server()
        request = server.parse_authn_request(params["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        sp_entity_id = message.issuer.text
        acs = message.assertion_consumer_service_url
        user = self.next_user
        response = server.create_authn_response(
            identity=self.identities[user],
            in_response_to=message.id,
            destination=acs,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"idp-{user}"),
            userid=user,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        found = re.search(r'SessionIndex="([^"]+)"', str(response))
        self.session_indexes[user] = found.group(1) if found else ""
        info = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            destination=acs,
            relay_state=params.get("RelayState", [""])[0],
            response=True,
        )
        return str(info["data"])

    def answer_logout(self, query: str) -> str:
        """Cercle's LogoutRequest (HTTP-Redirect): noted, answered by a signed LogoutResponse
        sent back to Cercle's SLS address; returns that address."""
        params = parse_qs(query)
        server = self.server()
        request = server.parse_logout_request(params["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        self.logout_requests.append(
            {
                "name_id": message.name_id.text,
                "session_index": ",".join(s.text for s in message.session_index),
                "issuer": message.issuer.text,
            }
        )
        response = server.create_logout_response(message, [BINDING_HTTP_REDIRECT])
        destination = server.metadata.single_logout_service(
            message.issuer.text, BINDING_HTTP_REDIRECT, "spsso"
        )[0]["location"]
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            params.get("RelayState", [""])[0],
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return str(dict(info["headers"])["Location"])

    def logout_request_url(
        self, user: str, *, sign: bool = True, session_index: str | None = None
    ) -> str:
        """A logout started at the provider: the address of Cercle's SLS with a LogoutRequest
        naming `user`, as the provider would send the person's browser there; with the
        SessionIndex of their last sign-in, or `session_index` ("" for none: all sessions)."""
        if session_index is None:
            session_index = self.session_indexes.get(user, "")
        server = self.server()
        sp_entity_id = next(iter(server.metadata.with_descriptor("spsso")))
        destination = server.metadata.single_logout_service(
            sp_entity_id, BINDING_HTTP_REDIRECT, "spsso"
        )[0]["location"]
        _id, request = server.create_logout_request(
            destination,
            sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"idp-{user}"),
            session_indexes=[session_index] if session_index else None,
        )
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            destination,
            "",
            sign=sign,
            sigalg=SIG_RSA_SHA256 if sign else None,
        )
        return str(dict(info["headers"])["Location"])


def read_post_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the auto-posting form the provider returned."""
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)"\s+value="([^"]*)"', page)
    }
    return action, fields


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def run_saml_idp(directory: Path) -> Iterator[SamlIdp]:
    _key, _cert, body = make_key_pair(directory)
    holder: dict[str, SamlIdp] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        idp = holder["idp"]
        if environ["PATH_INFO"] == "/sso":
            page = idp.answer(environ.get("QUERY_STRING", ""))
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page.encode()]
        if environ["PATH_INFO"] == "/slo":
            location = idp.answer_logout(environ.get("QUERY_STRING", ""))
            start_response("302 Found", [("Location", location)])
            return [b""]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    httpd = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    base = f"http://127.0.0.1:{httpd.server_port}"
    holder["idp"] = SamlIdp(
        base_url=base,
        entity_id=f"{base}/metadata",
        sso_url=f"{base}/sso",
        slo_url=f"{base}/slo",
        cert=body,
        directory=directory,
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["idp"]
    finally:
        httpd.shutdown()
        httpd.server_close()
