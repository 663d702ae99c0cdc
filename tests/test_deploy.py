"""The production set-up in deploy/ agrees with the platform: nginx in front of Daphne, coturn for the video
room, and the object-storage switch in the settings.

nginx and coturn run for real when they are installed (scripts/system-deps installs them where it may);
otherwise those tests are skipped with the reason.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.processes import start_django
from tests.test_accounts import PRODUCTION_ENV

DEPLOY = Path(settings.BASE_DIR) / "deploy"
NGINX_CONF = DEPLOY / "nginx" / "odr.conf"
TURN_CONF = DEPLOY / "coturn" / "turnserver.conf"
HOST = "odr.example.org"


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A throwaway certificate for ``name`` (and 127.0.0.1), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _replace_all(text: str, replacements: dict[str, str]) -> str:
    """Each replacement must apply: if the config changed shape, this says which line to update here."""
    for old, new in replacements.items():
        assert old in text, f"expected {old!r} in the deploy config; update tests/test_deploy.py with it"
        text = text.replace(old, new)
    return text


# --- nginx ----------------------------------------------------------------------------------------------
def _django_hsts_in_production() -> str:
    """The Strict-Transport-Security header production Django sends on a request nginx forwarded."""
    code = (
        "from django.http import HttpResponse\n"
        "from django.middleware.security import SecurityMiddleware\n"
        "from django.test import RequestFactory\n"
        f"request = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='{HOST}')\n"
        "print(SecurityMiddleware(lambda r: HttpResponse())(request)['Strict-Transport-Security'])\n"
    )
    result = start_django({**PRODUCTION_ENV, "ALLOWED_HOSTS": HOST}, code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_nginx_config_agrees_with_the_settings():
    config = NGINX_CONF.read_text()
    # HSTS: nginx adds exactly Django's production header, only where Django sent none.
    hsts = re.search(r'map \$upstream_http_strict_transport_security \$odr_hsts \{\s*"" "([^"]+)";', config)
    assert hsts, "the HSTS map is missing"
    assert hsts.group(1) == _django_hsts_in_production()
    assert "add_header Strict-Transport-Security $odr_hsts always;" in config
    # The proxy headers Daphne (--proxy-headers) and SECURE_PROXY_SSL_HEADER read, set (never appended).
    assert "--proxy-headers" in (Path(settings.BASE_DIR) / "Procfile").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config
    assert "$proxy_add_x_forwarded_for" not in config
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in config
    # Uploads: room for the largest file the platform accepts plus the form around it, but not much more.
    size = re.search(r"client_max_body_size (\d+)m;", config)
    assert size
    limit = int(size.group(1)) * 1024 * 1024
    assert settings.UPLOAD_MAX_BYTES + 256 * 1024 <= limit <= settings.UPLOAD_MAX_BYTES + 2 * 1024 * 1024
    # Nothing is served from disk but certificate challenges: no root or alias into the platform's data.
    assert not re.findall(r"^\s*alias ", config, re.M)
    assert re.findall(r"^\s*root (\S+);", config, re.M) == ["/var/www/acme"]
    # Django sends its own security headers (CSP, X-Frame-Options...): nginx adds no second copies, and
    # hides none of them.
    directives = re.sub(r"#.*", "", config)
    assert re.findall(r"^\s*add_header (\S+)", directives, re.M) == ["Strict-Transport-Security"]
    assert "proxy_hide_header" not in directives


def _nginx_files(tmp_path: Path, *, ports: tuple[int, int, int] | None = None) -> Path:
    """The deploy config inside a minimal nginx.conf, with this test's certificate and folders; with
    ``ports`` (http, https, upstream) it listens on loopback and proxies to the given upstream."""
    cert, key = _self_signed(tmp_path, HOST)
    replacements = {
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(key),
        "/var/cache/nginx/odr_static": str(tmp_path / "cache"),
        "/var/www/acme": str(tmp_path / "acme"),
    }
    if ports:
        http_port, https_port, upstream_port = ports
        replacements |= {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;": f"server 127.0.0.1:{upstream_port};",
            "server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;": "",
        }
    (tmp_path / "odr.conf").write_text(_replace_all(NGINX_CONF.read_text(), replacements))
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # the workers must reach this test's folders
        + f"worker_processes 1;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\n    access_log {tmp_path / 'access.log'};\n{temp}\n    include {tmp_path / 'odr.conf'};\n}}\n"
    )
    return main


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light; scripts/system-deps does it as root)")
    return found


def test_nginx_accepts_the_config(tmp_path):
    main = _nginx_files(tmp_path)
    result = subprocess.run(
        [_nginx(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for Daphne: answers with what it received (and, for websockets, completes the upgrade
    and sends that as one text frame)."""

    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]]

    def _received(self, body: bytes = b"") -> dict[str, Any]:
        received = {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        self.seen.append(received)
        return received

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() == "websocket":
            accept = base64.b64encode(
                hashlib.sha1(  # noqa: S324 (the websocket handshake's own algorithm)
                    (self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()
                ).digest()
            ).decode()
            payload = json.dumps(self._received()).encode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.write(bytes([0x81, 126]) + struct.pack("!H", len(payload)) + payload)
            self.wfile.write(b"\x88\x02\x03\xe8")  # close, 1000
            self.wfile.flush()
            self.close_connection = True
            return
        self._answer(self._received())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer(self._received(body))

    def _answer(self, received: dict[str, Any]) -> None:
        data = json.dumps(received).encode()
        self.send_response(200)
        if self.path.startswith("/django-sends-hsts/"):
            self.send_header("Strict-Transport-Security", "max-age=123")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def nginx_in_front(tmp_path) -> Iterator[dict[str, Any]]:
    nginx = _nginx()
    seen: list[dict[str, Any]] = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), type("Upstream", (_Upstream,), {"seen": seen}))
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    main = _nginx_files(tmp_path, ports=(http_port, https_port, upstream.server_address[1]))
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it writes to error.log
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start: {(tmp_path / 'error.log').read_text()[-2000:]}")
                time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(tmp_path / f"{HOST}.crt"))
        yield {"http": http_port, "https": https_port, "tls": context, "seen": seen, "logs": tmp_path}
    finally:
        process.terminate()
        process.wait(10)
        upstream.shutdown()
        upstream.server_close()


def _request(
    proxy: dict[str, Any], method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPSConnection("127.0.0.1", proxy["https"], context=proxy["tls"], timeout=20)
    try:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def test_nginx_forwards_as_django_and_daphne_expect(nginx_in_front):
    proxy = nginx_in_front
    # Plain HTTP only redirects to HTTPS.
    plain = http.client.HTTPConnection("127.0.0.1", proxy["http"], timeout=10)
    plain.request("GET", "/cases/?page=2", headers={"Host": HOST})
    redirect = plain.getresponse()
    assert (redirect.status, redirect.getheader("Location")) == (301, f"https://{HOST}/cases/?page=2")
    plain.close()
    assert proxy["seen"] == []

    # A page: the address nginx saw replaces whatever the client claimed; the scheme is https.
    status, headers, body = _request(
        proxy, "GET", "/cases/?page=2", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
    )
    assert status == 200
    received = json.loads(body)
    assert received["path"] == "/cases/?page=2"
    assert received["headers"]["host"] == HOST
    assert received["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert received["headers"]["x-forwarded-proto"] == "https"
    # Django sent no HSTS here: nginx adds the production header, once.
    assert headers.get_all("Strict-Transport-Security") == [_django_hsts_in_production()]
    # Where Django sends its own, it is the only one.
    _status, headers, _body = _request(proxy, "GET", "/django-sends-hsts/")
    assert headers.get_all("Strict-Transport-Security") == ["max-age=123"]


def test_nginx_passes_stripe_webhooks_untouched(nginx_in_front):
    payload = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}).encode()
    signature = "t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
    status, _headers, body = _request(
        nginx_in_front,
        "POST",
        "/payments/stripe/webhook/",
        body=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    assert status == 200
    received = json.loads(body)
    assert received["path"] == "/payments/stripe/webhook/"
    assert received["headers"]["stripe-signature"] == signature
    assert (received["body_length"], received["body_sha256"]) == (len(payload), hashlib.sha256(payload).hexdigest())


def test_nginx_takes_the_largest_upload_and_refuses_more(nginx_in_front):
    largest = os.urandom(settings.UPLOAD_MAX_BYTES + 64 * 1024)  # the largest file, with its form around it
    status, _headers, body = _request(
        nginx_in_front, "POST", "/cases/file/x/step/4/", body=largest, headers={"Content-Type": "multipart/form-data"}
    )
    assert status == 200
    assert json.loads(body)["body_length"] == len(largest)
    seen = len(nginx_in_front["seen"])
    status, _headers, _body = _request(nginx_in_front, "POST", "/cases/file/x/step/4/", body=b"x" * (12 * 1024 * 1024))
    assert status == 413
    assert len(nginx_in_front["seen"]) == seen  # refused before it reached Daphne


def test_nginx_upgrades_websockets_and_caches_static_files(nginx_in_front):
    from websockets.sync.client import connect

    context = nginx_in_front["tls"]
    context.check_hostname = False  # the certificate names odr.example.org; we connect to 127.0.0.1
    url = f"wss://127.0.0.1:{nginx_in_front['https']}/ws/cases/00000000-0000-0000-0000-000000000000/negotiation/"
    try:
        with connect(url, ssl=context, additional_headers={"X-Forwarded-For": "203.0.113.9"}) as socket_:
            received = json.loads(socket_.recv(timeout=10))
    except TimeoutError:
        # Seen once in CI (a loaded machine): say what nginx and the stand-in saw, to find out why.
        logs = nginx_in_front["logs"]
        pytest.fail(
            f"no websocket handshake through nginx; upstream saw {nginx_in_front['seen']}; "
            f"error.log: {(logs / 'error.log').read_text()[-2000:]}; "
            f"access.log: {(logs / 'access.log').read_text()[-1000:]}"
        )
    assert received["headers"]["upgrade"].lower() == "websocket"
    assert received["headers"]["connection"].lower() == "upgrade"
    assert received["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert received["headers"]["x-forwarded-proto"] == "https"

    before = len(nginx_in_front["seen"])
    for _ in range(2):
        status, _headers, _body = _request(nginx_in_front, "GET", "/static/css/app.css")
        assert status == 200
    assert len(nginx_in_front["seen"]) == before + 1  # the second came from nginx's cache
    # Pages are never cached.
    for _ in range(2):
        _request(nginx_in_front, "GET", "/cases/")
    assert len(nginx_in_front["seen"]) == before + 3


# --- coturn ---------------------------------------------------------------------------------------------
MAGIC = 0x2112A442
ALLOCATE, CREATE_PERMISSION = 0x0003, 0x0008
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015
XOR_PEER_ADDRESS, REQUESTED_TRANSPORT, XOR_RELAYED_ADDRESS = 0x0012, 0x0019, 0x0016


def _attribute(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _stun(method: int, attributes: bytes, *, key: bytes | None = None) -> tuple[bytes, bytes]:
    transaction = os.urandom(12)
    if key is None:
        return transaction, struct.pack("!HHI12s", method, len(attributes), MAGIC, transaction) + attributes
    # MESSAGE-INTEGRITY covers the header with the length it will have once the attribute is added.
    header = struct.pack("!HHI12s", method, len(attributes) + 24, MAGIC, transaction)
    mac = hmac.new(key, header + attributes, hashlib.sha1).digest()
    return transaction, header + attributes + _attribute(MESSAGE_INTEGRITY, mac)


def _parse(data: bytes) -> tuple[int, dict[int, bytes]]:
    kind, length = struct.unpack("!HH", data[:4])
    attributes, offset = {}, 20
    while offset < 20 + length:
        attribute, size = struct.unpack("!HH", data[offset : offset + 4])
        attributes.setdefault(attribute, data[offset + 4 : offset + 4 + size])
        offset += 4 + size + (-size % 4)
    return kind, attributes


def _error(attributes: dict[int, bytes]) -> int:
    code = attributes.get(ERROR_CODE)
    return code[2] * 100 + code[3] if code else 0


class _TurnClient:
    """A TURN client on its own UDP socket (one allocation per 5-tuple), as a browser's ICE agent."""

    def __init__(self, port: int) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.settimeout(5)
        self.address = ("127.0.0.1", port)
        self.realm = self.nonce = b""
        self.key = b""

    def exchange(self, message: tuple[bytes, bytes]) -> tuple[int, dict[int, bytes]]:
        transaction, data = message
        self.socket.sendto(data, self.address)
        while True:
            reply = self.socket.recv(2048)
            if reply[8:20] == transaction:
                return _parse(reply)

    def allocate(self, username: str, password: str) -> tuple[int, dict[int, bytes]]:
        transport = _attribute(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))  # UDP
        kind, attributes = self.exchange(_stun(ALLOCATE, transport))
        assert (kind, _error(attributes)) == (0x0113, 401), "an unauthenticated allocation must be refused"
        self.realm, self.nonce = attributes[REALM], attributes[NONCE]
        self.username = username.encode()
        self.key = hashlib.md5(self.username + b":" + self.realm + b":" + password.encode()).digest()  # noqa: S324 (TURN's key)
        return self.exchange(_stun(ALLOCATE, transport + self._credentials(), key=self.key))

    def permit(self, ip: str) -> tuple[int, dict[int, bytes]]:
        packed = bytes(a ^ b for a, b in zip(socket.inet_aton(ip), struct.pack("!I", MAGIC), strict=True))
        peer = _attribute(XOR_PEER_ADDRESS, struct.pack("!BBH", 0, 1, 3478 ^ (MAGIC >> 16)) + packed)
        return self.exchange(_stun(CREATE_PERMISSION, peer + self._credentials(), key=self.key))

    def _credentials(self) -> bytes:
        return _attribute(USERNAME, self.username) + _attribute(REALM, self.realm) + _attribute(NONCE, self.nonce)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def turnserver(tmp_path) -> Iterator[dict[str, Any]]:
    binary = shutil.which("turnserver") or ("/usr/bin/turnserver" if Path("/usr/bin/turnserver").exists() else None)
    if not binary:
        pytest.skip("coturn is not installed (Debian: apt-get install coturn; scripts/system-deps does it as root)")
    cert, key = _self_signed(tmp_path, "turn.odr.example.org")
    port, relay = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_DGRAM)
    secret = "the-platform-odr-turn-secret"
    config = _replace_all(
        TURN_CONF.read_text(),
        {
            "listening-port=3478": f"listening-port={port}\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1",
            "tls-listening-port=5349": f"tls-listening-port={_free_port()}",
            "min-port=49152": f"min-port={relay}",
            "max-port=65535": f"max-port={relay}",
            "static-auth-secret=CHANGE-ME-to-the-value-of-ODR_TURN_SECRET": f"static-auth-secret={secret}",
            "/etc/letsencrypt/live/turn.odr.example.org/fullchain.pem": str(cert),
            "/etc/letsencrypt/live/turn.odr.example.org/privkey.pem": str(key),
            "log-file=syslog": f"log-file={tmp_path / 'turn.log'}",
            "pidfile=/run/turnserver/turnserver.pid": f"pidfile={tmp_path / 'turn.pid'}\nuserdb={tmp_path / 'turndb'}",
        },
    )
    (tmp_path / "turnserver.conf").write_text(config)
    process = subprocess.Popen(
        [binary, "-c", str(tmp_path / "turnserver.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while True:  # ready once it answers an allocation (with 401)
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.settimeout(0.5)
            try:
                probe.sendto(
                    _stun(ALLOCATE, _attribute(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0])))[1], ("127.0.0.1", port)
                )
                probe.recv(2048)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"turnserver did not start: {(tmp_path / 'turn.log').read_text()[-2000:]}")
            finally:
                probe.close()
        yield {"port": port, "secret": secret}
    finally:
        process.terminate()
        process.wait(10)


def test_coturn_accepts_the_credentials_the_platform_mints(turnserver, settings):
    from mediation.ice import turn_credentials

    settings.ODR_TURN_SECRET = turnserver["secret"]
    settings.ODR_TURN_TTL_SECONDS = 600
    client = _TurnClient(turnserver["port"])
    try:
        kind, attributes = client.allocate(*turn_credentials(7))
        assert kind == 0x0103, f"allocation refused with {_error(attributes)}"
        assert XOR_RELAYED_ADDRESS in attributes
        assert client.realm == b"turn.odr.example.org"
        # The relay refuses private and loopback peers: it is no way into the network it sits in.
        for peer in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.5", "169.254.169.254"):
            kind, attributes = client.permit(peer)
            assert (kind, _error(attributes)) == (0x0118, 403), peer
    finally:
        client.close()


def test_coturn_refuses_expired_credentials_and_other_secrets(turnserver, settings):
    from mediation.ice import turn_credentials

    settings.ODR_TURN_SECRET = turnserver["secret"]
    settings.ODR_TURN_TTL_SECONDS = 600
    expired = turn_credentials(7, now=time.time() - 601)
    settings.ODR_TURN_SECRET = "another-secret"
    foreign = turn_credentials(7)
    for username, password in (expired, foreign):
        client = _TurnClient(turnserver["port"])
        try:
            kind, attributes = client.allocate(username, password)
            assert (kind, _error(attributes)) == (0x0113, 401)
        finally:
            client.close()


# --- Object storage (django-storages, S3-compatible) ----------------------------------------------------
S3_ENV = {
    "ODR_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "odr-evidence",
    "AWS_ACCESS_KEY_ID": "odr-access-key",
    "AWS_SECRET_ACCESS_KEY": "odr-secret-key",
    "AWS_S3_ENDPOINT_URL": "https://objects.example.org",
    "AWS_S3_REGION_NAME": "ap-east-1",
}
STORAGE_REPORT = (
    "import json\n"
    "from django.conf import settings\n"
    "from django.core.files.storage import storages\n"
    "private = storages['default']\n"
    "print(json.dumps({'class': type(private).__module__ + '.' + type(private).__name__,\n"
    "    'bucket': private.bucket_name, 'acl': private.default_acl, 'signed_urls': private.querystring_auth,\n"
    "    'overwrite': private.file_overwrite, 'endpoint': private.endpoint_url, 'region': private.region_name,\n"
    "    'url': private.url('cases/evidence.pdf'), 'static': settings.STORAGES['staticfiles']['BACKEND']}))\n"
)


def test_s3_storage_keeps_documents_in_a_private_bucket():
    result = start_django({**PRODUCTION_ENV, **S3_ENV}, STORAGE_REPORT)
    assert result.returncode == 0, result.stderr
    private = json.loads(result.stdout)
    assert private["class"] == "storages.backends.s3.S3Storage"
    assert (private["bucket"], private["endpoint"], private["region"]) == (
        "odr-evidence",
        "https://objects.example.org",
        "ap-east-1",
    )
    assert private["acl"] == "private"
    assert private["overwrite"] is False
    # No signed links are made: downloads go through the access-checked views, and an unsigned URL to a
    # private object is refused by the store.
    assert private["signed_urls"] is False
    assert "Signature" not in private["url"]
    assert private["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_s3_storage_without_acls_sends_none():
    result = start_django({**S3_ENV, "AWS_DEFAULT_ACL": "none"}, STORAGE_REPORT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["acl"] is None


def test_the_filesystem_stays_the_default():
    code = "from django.conf import settings; print(settings.STORAGES['default'])"
    result = start_django({"PRIVATE_MEDIA_ROOT": "/srv/odr/private"}, code)
    assert result.returncode == 0, result.stderr
    assert "FileSystemStorage" in result.stdout
    assert "'location': '/srv/odr/private'" in result.stdout


@pytest.mark.parametrize("missing", ["AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_s3_storage_refuses_to_start_without_its_bucket_or_credentials(missing):
    env = {name: value for name, value in S3_ENV.items() if name != missing}
    result = start_django(env, "")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"ODR_STORAGE=s3 needs {missing}" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ODR_STORAGE", "ftp", "ODR_STORAGE must be 'filesystem' or 's3'"),
        ("AWS_DEFAULT_ACL", "public-read", "AWS_DEFAULT_ACL must be"),
        ("AWS_S3_ENDPOINT_URL", "objects.example.org", "AWS_S3_ENDPOINT_URL must be an http(s) URL"),
        ("AWS_S3_ADDRESSING_STYLE", "sideways", "AWS_S3_ADDRESSING_STYLE must be"),
    ],
)
def test_bad_storage_settings_stop_start_up(name, value, message):
    result = start_django({**S3_ENV, name: value}, "")
    assert result.returncode != 0
    assert message in result.stderr
