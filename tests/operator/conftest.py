import pytest
from django.test import Client


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user``."""
    def build(user):
        client = Client()
        client.force_login(user)
        return client

    return build
