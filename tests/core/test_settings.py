"""Settings: every environment variable is documented; EMAIL_URL and the env helpers parse right;
the deployment files parse."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cercle import settings as cercle_settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_PY = ROOT / "src" / "cercle" / "settings.py"
CONFIGURATION_MD = ROOT / "docs" / "configuration.md"


def variables_read_by_settings() -> set[str]:
    """Names passed to os.environ.get / os.environ[...] / os.getenv / env_bool / env_list."""
    tree = ast.parse(SETTINGS_PY.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = ast.unparse(node.func)
            if func in {"os.environ.get", "os.getenv", "env_bool", "env_list"}:
                names.add(first.value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return names


def test_the_parser_finds_the_known_variables() -> None:
    names = variables_read_by_settings()
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "EMAIL_URL",
        "S3_BUCKET",
        "BEHIND_HTTPS_PROXY",
    } <= names


def test_every_variable_read_by_settings_is_documented() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", CONFIGURATION_MD.read_text()))
    missing = sorted(variables_read_by_settings() - documented)
    assert not missing, f"not documented in docs/configuration.md: {missing}"


def test_documented_variables_exist() -> None:
    """The tables' first column names only variables something reads (no stale rows)."""
    text = CONFIGURATION_MD.read_text()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.MULTILINE))
    assert rows
    assert rows <= variables_read_by_settings()


# --- EMAIL_URL.


def test_no_email_url_or_console_prints_mail() -> None:
    for url in ("", "console://"):
        assert cercle_settings._email_settings(url) == {
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
        }


def test_smtp_with_starttls_and_quoted_credentials() -> None:
    result = cercle_settings._email_settings(
        "smtp://cercle%40example.org:p%3Ass%2Fw0rd@mail.example.org:587?tls=1"
    )
    assert result == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "cercle@example.org",
        "EMAIL_HOST_PASSWORD": "p:ss/w0rd",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
        "EMAIL_TIMEOUT": 15,
    }


def test_plain_smtp_defaults_to_port_25_without_encryption() -> None:
    result = cercle_settings._email_settings("smtp://relay.internal")
    assert result["EMAIL_HOST"] == "relay.internal"
    assert result["EMAIL_PORT"] == 25
    assert result["EMAIL_USE_TLS"] is False and result["EMAIL_USE_SSL"] is False
    assert result["EMAIL_HOST_USER"] == "" and result["EMAIL_HOST_PASSWORD"] == ""


def test_smtps_is_implicit_tls_on_465() -> None:
    result = cercle_settings._email_settings("smtps://user:secret@mail.example.org")
    assert result["EMAIL_PORT"] == 465
    assert result["EMAIL_USE_SSL"] is True
    assert result["EMAIL_USE_TLS"] is False
    assert cercle_settings._email_settings("smtps://mail.example.org:2465")["EMAIL_PORT"] == 2465


@pytest.mark.parametrize(
    ("query", "tls"),
    [("tls=1", True), ("tls=true", True), ("tls=YES", True), ("tls=0", False), ("", False)],
)
def test_tls_flag(query: str, tls: bool) -> None:
    url = f"smtp://mail.example.org:587?{query}"
    assert cercle_settings._email_settings(url)["EMAIL_USE_TLS"] is tls


def test_file_and_memory_backends() -> None:
    result = cercle_settings._email_settings("file:///var/spool/cercle-mail")
    assert result == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/spool/cercle-mail",
    }
    default = cercle_settings._email_settings("file://")
    assert default["EMAIL_FILE_PATH"] == str(cercle_settings.VAR_DIR / "mail")
    assert cercle_settings._email_settings("memory://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"
    }


@given(
    user=st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s),
    password=st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s),
    port=st.integers(min_value=1, max_value=65535),
)
def test_any_credentials_round_trip_when_quoted(user: str, password: str, port: int) -> None:
    url = f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@mail.example.org:{port}"
    result = cercle_settings._email_settings(url)
    assert result["EMAIL_HOST_USER"] == user
    assert result["EMAIL_HOST_PASSWORD"] == password
    assert result["EMAIL_PORT"] == port
    assert result["EMAIL_HOST"] == "mail.example.org"


# --- The helpers.


def test_env_bool(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("1", "true", "TRUE", "yes", "on", " On "):
        monkeypatch.setenv("CERCLE_TEST_FLAG", value)
        assert cercle_settings.env_bool("CERCLE_TEST_FLAG") is True
    for value in ("0", "false", "no", "off", "maybe"):
        monkeypatch.setenv("CERCLE_TEST_FLAG", value)
        assert cercle_settings.env_bool("CERCLE_TEST_FLAG", default=True) is False
    monkeypatch.setenv("CERCLE_TEST_FLAG", "")
    assert cercle_settings.env_bool("CERCLE_TEST_FLAG", default=True) is True
    monkeypatch.delenv("CERCLE_TEST_FLAG")
    assert cercle_settings.env_bool("CERCLE_TEST_FLAG") is False


def test_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCLE_TEST_LIST", " a.example.org, ,b.example.org ,")
    assert cercle_settings.env_list("CERCLE_TEST_LIST", "x") == ["a.example.org", "b.example.org"]
    monkeypatch.delenv("CERCLE_TEST_LIST")
    assert cercle_settings.env_list("CERCLE_TEST_LIST", "x,y") == ["x", "y"]
    assert cercle_settings.env_list("CERCLE_TEST_LIST", "") == []


# --- Deployment files (Docker cannot run here: at least they parse and agree with the docs).


def test_compose_file_parses_and_has_the_production_services() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "scheduler", "migrate", "nginx", "db", "redis", "minio"} <= set(
        services
    )
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", CONFIGURATION_MD.read_text()))
    for name in ("web", "worker", "scheduler", "migrate"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")
        assert set(environment) <= documented, set(environment) - documented
    assert "--workers" in " ".join(services["web"]["command"])
    assert "db_worker" in " ".join(services["worker"]["command"])
    scheduled = " ".join(services["scheduler"]["command"])
    for command in ("send_notification_mail", "send_notification_mail --digest", "expire_import"):
        assert command in scheduled


def test_nginx_config_proxies_websockets_and_serves_static_files() -> None:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "location /ws/" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "location /static/" in text
    assert text.count("{") == text.count("}")
