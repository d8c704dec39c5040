"""Logging in as a browser would: read the form's CSRF token, post the form."""

from tests.conftest import csrf_token
from tests.factories import PASSWORD


def login(client, email, password=PASSWORD, next_path=None):
    """Post the login form with a valid CSRF token."""
    token = csrf_token(client, "/login")
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def post_form(client, path, data, token_page="/"):
    """Post a form with the CSRF token of this client's session."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_page)})


def logout(client):
    """Press the log out button."""
    return post_form(client, "/logout", {})
