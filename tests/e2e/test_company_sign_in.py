"""The full company sign-in in Chromium: the sign-in page's button, the provider, back home.

Horizon runs on a real port beside a real OpenID provider and a real SAML IdP
(tests/providers); the rows these sign-ins create are emptied afterwards (`committed`).
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.providers.fixtures import DOMAIN

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("app")]


def test_oidc_sign_in_from_the_button(op, sso_server, new_page):
    sub = f"b-{uuid.uuid4().hex[:8]}"
    op.add_user(sub, email=f"{sub}@{DOMAIN}", email_verified=True, name="Browser Person")
    page = new_page(javascript=True)  # htmx's boost must leave the button to the browser
    page.goto(sso_server("/auth/login"))
    page.get_by_role("link", name="Sign in with Acme", exact=True).click()
    page.get_by_label("Login (sub)").fill(sub)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(sso_server("/dashboard/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser")


def test_saml_sign_in_from_the_button(saml_idp, sso_server, new_page):
    email = f"b-{uuid.uuid4().hex[:8]}@{DOMAIN}"
    saml_idp.users[email] = {"email": email, "displayName": "Saml Person"}
    page = new_page(javascript=True)  # the IdP's answer is a self-submitting form
    page.goto(sso_server("/auth/login"))
    page.get_by_role("link", name="Sign in with Acme SAML").click()
    page.get_by_label("Login").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(sso_server("/dashboard/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Saml")


def test_a_refusal_is_shown_in_words(op, sso_server, new_page):
    sub = f"w-{uuid.uuid4().hex[:8]}"
    op.add_user(sub, email=f"{sub}@elsewhere.example.org", email_verified=True)
    page = new_page(javascript=False)
    page.goto(sso_server("/auth/oidc/start"))
    page.get_by_label("Login (sub)").fill(sub)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not set up for e-mail addresses at")
