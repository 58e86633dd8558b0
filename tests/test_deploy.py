"""deploy/: what can be checked on a machine that is not the server: nginx -t on the shipped
sites, systemd-analyze on the units, shellcheck, and install.sh run into a folder."""

import os
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parent.parent / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))


def need(program, package):
    found = shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")  # nginx lives in sbin
    if found is None:
        pytest.fail(f"{program} is not installed: `make test` installs Debian's {package}")
    return found


# --- nginx ---------------------------------------------------------------------------------

@pytest.fixture
def nginx_prefix(tmp_path):
    """A folder nginx -t can run in, with a throwaway certificate for the HTTPS site."""
    need("openssl", "openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=stemme.example.dk", "-keyout", tmp_path / "privkey.pem", "-out", tmp_path / "fullchain.pem"],
                   check=True, capture_output=True)
    (tmp_path / "snippets").mkdir()
    common = (DEPLOY / "nginx" / "brugerstemmen-common.conf").read_text()
    (tmp_path / "snippets" / "brugerstemmen-common.conf").write_text(
        common.replace("/var/log/nginx/", f"{tmp_path}/"))
    return tmp_path


@pytest.mark.parametrize("site", ["brugerstemmen.conf", "brugerstemmen-lan.conf"])
def test_nginx_accepts_the_shipped_site(nginx_prefix, site):
    text = (DEPLOY / "nginx" / site).read_text().replace("/etc/letsencrypt/live/stemme.example.dk/", f"{nginx_prefix}/")
    text = text.replace("/var/log/nginx/", f"{nginx_prefix}/")
    (nginx_prefix / "site.conf").write_text(text)
    (nginx_prefix / "nginx.conf").write_text(f"""
        pid {nginx_prefix}/nginx.pid;
        error_log {nginx_prefix}/error.log;
        events {{}}
        http {{ include /etc/nginx/mime.types; include {nginx_prefix}/site.conf; }}
    """)
    result = subprocess.run([need("nginx", "nginx-light"), "-t", "-p", f"{nginx_prefix}/", "-c", f"{nginx_prefix}/nginx.conf"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "[warn]" not in result.stderr


def test_nginx_logs_no_client_and_passes_its_address_only_as_set_for_the_throttle():
    for path in (DEPLOY / "nginx").glob("*.conf"):
        text = path.read_text()
        active = [line.split("#")[0].strip() for line in text.splitlines()]
        uses = [line for line in active if "remote_addr" in line or "X-Forwarded-For" in line or "X-Real-IP" in line]
        # Set, never appended to what the client sent ($proxy_add_x_forwarded_for): one hop, trusted.
        assert uses in ([], ["proxy_set_header X-Forwarded-For $remote_addr;"]), path
        assert all(line == "access_log off;" for line in active if "access_log" in line), path
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in (DEPLOY / "nginx" / "brugerstemmen-common.conf").read_text()
    assert "Environment=BRUGERSTEMMEN_PROXY_HOPS=1" in (DEPLOY / "brugerstemmen.service").read_text().splitlines()


def unit_environment(unit):
    return dict(line.removeprefix("Environment=").split("=", 1) for line in (DEPLOY / unit).read_text().splitlines()
                if line.startswith("Environment="))


def nginx_in_front_of(server, prefix, port):
    """The shipped LAN site and common snippet, listening on 127.0.0.1:port, passing to `server`."""
    common = (DEPLOY / "nginx" / "brugerstemmen-common.conf").read_text()
    common = common.replace("http://127.0.0.1:8080", server.url).replace("/var/log/nginx/", f"{prefix}/")
    common = common.replace("/opt/brugerstemmen/app/static/", f"{DEPLOY.parent}/app/static/")
    (prefix / "snippets" / "brugerstemmen-common.conf").write_text(common)
    site = (DEPLOY / "nginx" / "brugerstemmen-lan.conf").read_text()
    site = site.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    site = site.replace("listen [::]:80 default_server;", "")
    (prefix / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""
        {"user root;" if os.geteuid() == 0 else ""}
        pid {prefix}/nginx.pid;
        error_log {prefix}/error.log;
        events {{}}
        http {{ include /etc/nginx/mime.types; {temp} include {prefix}/site.conf; }}
    """)
    return subprocess.Popen([need("nginx", "nginx-light"), "-p", f"{prefix}/", "-c", f"{prefix}/nginx.conf",
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sign_in_from(source, port, email, password, spoofed=None):
    """A sign-in from one address of this machine (127.0.0.x), as a browser does it: the form, then the POST."""
    import http.client
    import re
    import urllib.parse

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    extra = {"X-Forwarded-For": spoofed} if spoofed else {}
    try:
        connection.request("GET", "/staff/login", headers=extra)
        page = connection.getresponse()
        cookie = page.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
        connection.request("POST", "/staff/login", body=body, headers={
            **extra, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def test_behind_the_shipped_nginx_the_throttle_tells_clients_apart(tmp_path, nginx_prefix):
    """The real server, set as the unit sets it, behind the shipped nginx: one address trying a
    password on many accounts is slowed (whatever X-Forwarded-For it sends), another address is not."""
    from app import accounts

    from .conftest import CLOCK, LiveServer, free_port

    (tmp_path / "app").mkdir()
    server = LiveServer(tmp_path / "app", CLOCK=CLOCK, **{name.removeprefix("BRUGERSTEMMEN_"): value for name, value
                                                          in unit_environment("brugerstemmen.service").items()})
    server.start()
    port = free_port()
    nginx = nginx_in_front_of(server, nginx_prefix, port)
    try:
        server.cli("staff", "add", "anna@example.dk", "--site-admin", "--password-stdin",
                   stdin="kaffe og kage hver tirsdag\n")
        for _ in range(100):  # nginx takes a moment to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        statuses = [sign_in_from("127.0.0.2", port, f"person{n}@example.dk", "sommer2025!", spoofed=f"10.9.8.{n}")
                    for n in range(accounts.CLIENT_FREE_FAILURES + 3)]
        assert statuses == [401] * accounts.CLIENT_FREE_FAILURES + [429] * 3
        assert sign_in_from("127.0.0.3", port, "anna@example.dk", "kaffe og kage hver tirsdag") == 303
    finally:
        nginx.terminate()
        nginx.wait(timeout=15)
        server.stop()
    assert "127.0.0.2" not in server.log() and "127.0.0.3" not in server.log()


# --- systemd -------------------------------------------------------------------------------

def test_systemd_accepts_the_units(tmp_path):
    need("systemd-analyze", "systemd")
    for unit in UNITS:
        # The installed program is not on this machine; everything else is checked as shipped.
        (tmp_path / unit.name).write_text(
            unit.read_text().replace("/opt/brugerstemmen/.venv/bin/brugerstemmen", "/bin/true"))
    result = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / u.name) for u in UNITS]],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_every_unit_runs_as_the_service_user_in_a_locked_down_sandbox():
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text()
        for line in ("User=brugerstemmen", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                     "PrivateTmp=yes"):
            assert line in text.splitlines(), f"{unit.name}: {line}"


def test_the_scripts_pass_shellcheck():
    need("shellcheck", "shellcheck")
    scripts = sorted(DEPLOY.glob("*.sh"))
    assert scripts
    result = subprocess.run(["shellcheck", "--shell=sh", *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- install.sh ----------------------------------------------------------------------------

STUBS = {
    # Programs that would change the machine only write down how they were called.
    "apt-get": "", "useradd": "", "systemctl": "", "certbot": "", "nginx": "", "runuser": "",
    "id": 'case "$1" in -u) echo 0 ;; esac',  # root, and the service user exists
    "hostname": "echo fe80::1 192.168.1.20 10.0.0.7",  # an IPv6 address first, as some boxes list
    # install -o/-g need the real user; the rest of what install does is kept.
    "install": 'args=""; while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args="$args \'$1\'"; shift ;; '
               'esac; done; eval "/usr/bin/install $args"',
    "chown": "",
    # A Python whose venv holds stand-ins for pip, pybabel and the brugerstemmen command.
    "python3": 'mkdir -p "$3/bin"; for p in python pip pybabel brugerstemmen; do '
               'printf "#!/bin/sh\\necho \\"%s \\$*\\" >> \\"$CALLS\\"\\n" "$p" > "$3/bin/$p"; chmod +x "$3/bin/$p"; done',
}


@pytest.fixture
def install(tmp_path):
    bin_dir, root, calls = tmp_path / "bin", tmp_path / "root", tmp_path / "calls"
    bin_dir.mkdir()
    root.mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "$CALLS"\n{body}\n')
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "BRUGERSTEMMEN_INSTALL_ROOT": str(root), "CALLS": str(calls),
           "PYTHON": str(bin_dir / "python3")}

    def run(*args):
        result = subprocess.run(["sh", str(DEPLOY / "install.sh"), *args], env=env, capture_output=True, text=True)
        result.calls = calls.read_text().splitlines() if calls.exists() else []
        return result

    run.root = root
    return run


def test_install_for_a_public_name_with_https(install):
    result = install("--domain", "stemme.example.dk", "--email", "it@example.dk")
    assert result.returncode == 0, result.stderr
    root = install.root
    env_file = root / "etc/brugerstemmen/env"
    assert env_file.read_text() == ("BRUGERSTEMMEN_DATA_DIR=/var/lib/brugerstemmen\n"
                                    "BRUGERSTEMMEN_BASE_URL=https://stemme.example.dk\nBRUGERSTEMMEN_ROLE=centre\n")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "var/lib/brugerstemmen").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "var/backups/brugerstemmen").stat().st_mode) == 0o700
    assert (root / "opt/brugerstemmen/app/__init__.py").exists()
    for unit in UNITS:
        assert (root / "etc/systemd/system" / unit.name).read_text() == unit.read_text()
    site = (root / "etc/nginx/sites-available/brugerstemmen").read_text()
    assert "server_name stemme.example.dk;" in site and "listen 443 ssl" in site
    assert os.readlink(root / "etc/nginx/sites-enabled/brugerstemmen") == "../sites-available/brugerstemmen"
    assert (root / "etc/nginx/snippets/brugerstemmen-common.conf").exists()
    calls = result.calls
    packages = "apt-get install -y -qq python3-venv python3-pip nginx sqlite3 fonts-noto-core certbot"
    assert calls.index("apt-get update -qq") < calls.index(packages)
    assert any(c.startswith("useradd") for c in calls) is False  # `id` says the user exists already
    assert any(c.startswith("certbot certonly --standalone -d stemme.example.dk --email it@example.dk")
               and '--pre-hook systemctl stop nginx' in c for c in calls)
    assert any(c.startswith("runuser -u brugerstemmen") for c in calls)
    assert "nginx -t" in calls
    assert "systemctl enable --now brugerstemmen.service brugerstemmen-backup.timer" in calls
    assert "systemctl enable --now brugerstemmen-sync.timer" in calls
    assert "https://stemme.example.dk/staff/login" in result.stdout
    # Editable, so the app runs beside its translations, fonts and static files in /opt/brugerstemmen.
    assert any(c.startswith("pip install --quiet --editable ") and c.endswith("/opt/brugerstemmen") for c in calls)


def test_install_on_a_centres_own_box_serves_its_lan_address(install):
    result = install("--lan", "--role", "centre")
    assert result.returncode == 0, result.stderr
    assert "BRUGERSTEMMEN_BASE_URL=http://192.168.1.20\n" in (install.root / "etc/brugerstemmen/env").read_text()
    site = (install.root / "etc/nginx/sites-available/brugerstemmen").read_text()
    assert "listen 80 default_server;" in site and "443" not in site
    assert not any(c.startswith("certbot") for c in result.calls)
    assert "apt-get install -y -qq python3-venv python3-pip nginx sqlite3 fonts-noto-core" in result.calls


def test_install_for_the_hub_runs_no_sync_timer_and_an_upgrade_keeps_the_settings(install):
    assert install("--domain", "hub.lvs.example", "--email", "it@lvs.example", "--role", "hub").returncode == 0
    env_file = install.root / "etc/brugerstemmen/env"
    env_file.write_text(env_file.read_text() + "BRUGERSTEMMEN_TEXT_MIN_ANSWERS=12\n")  # the operator's own
    again = install("--domain", "hub.lvs.example", "--email", "it@lvs.example", "--role", "hub")
    assert again.returncode == 0
    assert "BRUGERSTEMMEN_TEXT_MIN_ANSWERS=12" in env_file.read_text()
    assert "BRUGERSTEMMEN_ROLE=hub" in env_file.read_text()
    assert "systemctl enable --now brugerstemmen-sync.timer" not in again.calls


@pytest.mark.parametrize("args, says", [
    ((), "public name"),
    (("--domain", "stemme.example.dk"), "e-mail"),
    (("--domain", "https://stemme.example.dk", "--email", "a@b.dk"), "public name"),
    (("--lan", "--domain", "x.dk"), "leave out"),
    (("--lan", "--role", "national"), "--role is centre, hub or both"),
    (("--lan", "--verbose"), "unknown option --verbose"),
])
def test_install_mistakes_get_one_line_and_change_nothing(install, args, says):
    result = install(*args)
    assert result.returncode == 2
    assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.calls == [] and list(install.root.iterdir()) == []
