"""Configuration: the file, the documented environment overrides, secrets only from env."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from distributor.config import AccountSettings, Settings, account_secrets, check_secrets, load_settings
from distributor.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "config" / "distributor.example.toml"


def _keys(model, prefix=""):
    for name, field in model.model_fields.items():
        if name == "config_dir":
            continue
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        nested = [a for a in inner if isinstance(a, type) and hasattr(a, "model_fields")]
        if nested:
            yield from _keys(nested[0], f"{name}.")
        else:
            yield prefix + name


def test_the_example_configuration_documents_every_key():
    text = EXAMPLE.read_text()
    for key in _keys(Settings):
        leaf = key.split(".")[-1]
        assert re.search(rf"^#?\s*{leaf}\s*=", text, re.M), f"{key} is not documented in {EXAMPLE.name}"
    load_settings(EXAMPLE)  # and it is valid


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    file = tmp_path / "c.toml"
    file.write_text('[database]\nurl = "sqlite:///from-file.db"\n[fetch]\ntimeout_seconds = 3\n')
    monkeypatch.setenv("DISTRIBUTOR_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("DISTRIBUTOR_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("DISTRIBUTOR_WEB_PORT", "9001")
    settings = load_settings(file)
    assert settings.database.url == "sqlite:///from-env.db"
    assert settings.fetch.allow_private_networks is True
    assert settings.fetch.timeout_seconds == 3
    assert settings.web.port == 9001


def test_no_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISTRIBUTOR_CONFIG", raising=False)
    monkeypatch.delenv("DISTRIBUTOR_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database.url == "sqlite:///distributor.db" and settings.accounts == []


@pytest.mark.parametrize(
    "body, message",
    [
        ("[database\n", "not valid TOML"),
        ('[[accounts]]\nname = "fb"\nplatform = "facebook"\n', "page_id"),
        ('[[accounts]]\nname = "x"\nplatform = "myspace"\n', "accounts.0.platform"),
        ('[[feeds]]\nurl = "https://a.example/feed"\naccounts = ["nobody"]\n', "unknown account 'nobody'"),
        ("[fetch]\ntimeout = 3\n", "fetch.timeout"),
    ],
)
def test_bad_configuration_is_one_clear_error(tmp_path, body, message):
    file = tmp_path / "c.toml"
    file.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(file)


def test_an_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_secrets_come_from_the_environment_and_a_missing_one_is_named():
    account = AccountSettings(name="x-main", platform="twitter")
    env = {
        "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "k", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "s",
        "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "t",
    }
    with pytest.raises(ConfigError, match="DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET"):
        account_secrets(account, env)
    env["DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET"] = "ts"
    secrets = account_secrets(account, env)
    assert secrets["access_token_secret"].get_secret_value() == "ts"
    assert "ts" not in repr(secrets)  # never printed by accident


def test_start_up_check_covers_every_account():
    settings = Settings(accounts=[{"name": "fb-main", "platform": "facebook", "page_id": "1"}])
    with pytest.raises(ConfigError, match="DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN"):
        check_secrets(settings, {})
    check_secrets(settings, {"DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "x"})


def test_secrets_cannot_be_put_in_the_file(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text('[[accounts]]\nname = "x"\nplatform = "twitter"\naccess_token = "oops"\n')
    with pytest.raises(ConfigError, match="access_token"):
        load_settings(file)


def test_secrets_can_come_from_files_as_docker_secrets_do(tmp_path):
    from distributor.config import AccountSettings, account_secrets

    account = AccountSettings(name="fb-main", platform="facebook", page_id="1")
    secret = tmp_path / "page-token"
    secret.write_text("token-from-a-file\n")
    found = account_secrets(account, {"DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN_FILE": str(secret)})
    assert found["page_access_token"].get_secret_value() == "token-from-a-file"
    direct = account_secrets(account, {"DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "direct",
                                       "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN_FILE": str(secret)})
    assert direct["page_access_token"].get_secret_value() == "direct"
    with pytest.raises(ConfigError, match="PAGE_ACCESS_TOKEN_FILE names .*missing"):
        account_secrets(account, {"DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN_FILE": str(tmp_path / "missing")})
