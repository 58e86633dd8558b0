"""deploy/: what can be checked on a machine that is not the server: nginx -t on the shipped
sites, systemd-analyze on the units, shellcheck, and install.sh run into a folder."""

import os
import shutil
import stat
import subprocess
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


def test_nginx_never_passes_or_logs_the_client_address():
    for path in (DEPLOY / "nginx").glob("*.conf"):
        text = path.read_text()
        active = "\n".join(line.split("#")[0] for line in text.splitlines())
        assert "X-Forwarded-For" not in active and "X-Real-IP" not in active and "remote_addr" not in active, path
        assert "access_log" not in active or all(
            line.strip() == "access_log off;" for line in active.splitlines() if "access_log" in line), path


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
