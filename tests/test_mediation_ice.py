"""TURN credentials in coturn's REST-API form: short-lived, per user, checkable with the shared secret."""

import base64
import hashlib
import hmac
import time

from mediation.ice import ice_servers_for, turn_credentials


def test_turn_credentials_expire_and_name_the_user(settings):
    settings.ODR_TURN_SECRET = "coturn-static-auth-secret"
    settings.ODR_TURN_TTL_SECONDS = 600
    now = time.time()
    username, password = turn_credentials(42, now=now)
    expiry, user_id = username.split(":")
    assert (int(expiry), user_id) == (int(now) + 600, "42")
    # What coturn computes from its static-auth-secret to accept the pair.
    expected = base64.b64encode(hmac.new(b"coturn-static-auth-secret", username.encode(), hashlib.sha1).digest())
    assert password == expected.decode()
    assert turn_credentials(43, now=now)[1] != password


def test_ice_servers_come_from_settings_and_never_carry_a_lasting_password(settings):
    settings.ODR_STUN_URLS = ["stun:stun.odr.example:3478"]
    settings.ODR_TURN_URLS = []
    assert ice_servers_for(1) == [{"urls": ["stun:stun.odr.example:3478"]}]
    settings.ODR_TURN_URLS = ["turn:turn.odr.example:3478?transport=udp"]
    settings.ODR_TURN_SECRET = "s3cret"
    servers = ice_servers_for(1)
    turn = servers[1]
    assert turn["urls"] == ["turn:turn.odr.example:3478?transport=udp"]
    assert turn["credential"] != "s3cret"
    assert int(turn["username"].split(":")[0]) > time.time()
