#!/bin/sh
# Install Brugerstemmen on Debian 12/13 or Raspberry Pi OS, behind nginx. Run as root from a
# copy of the source. Safe to run again: it upgrades the code and keeps the data.
#
#   A public name, with HTTPS:  sudo sh deploy/install.sh --domain stemme.example.dk --email it@example.dk
#   A box on the centre's LAN:  sudo sh deploy/install.sh --lan [--address 192.168.1.20]
#   The LVS hub:                add --role hub (or --role both) to the first form
set -eu

usage="usage: install.sh (--domain NAME --email ADDRESS | --lan [--address IP]) [--role centre|hub|both]"
domain="" email="" lan="" address="" role="centre"
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain=${2:-}; shift 2 ;;
    --email) email=${2:-}; shift 2 ;;
    --lan) lan=yes; shift ;;
    --address) address=${2:-}; shift 2 ;;
    --role) role=${2:-}; shift 2 ;;
    *) echo "install.sh: unknown option $1; $usage" >&2; exit 2 ;;
  esac
done
fail() { echo "install.sh: $1; $usage" >&2; exit 2; }
if [ -n "$lan" ]; then
  [ -z "$domain$email" ] || fail "--lan serves plain HTTP on this box's address: leave out --domain and --email"
else
  case "$domain" in ""|*/*|*" "*|*:*) fail "give the server's public name, e.g. --domain stemme.example.dk (or --lan)" ;; esac
  case "$email" in *@*) ;; *) fail "give an e-mail address for the certificate, e.g. --email it@example.dk" ;; esac
fi
case "$role" in centre|hub|both) ;; *) fail "--role is centre, hub or both" ;; esac
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo sh deploy/install.sh ...)" >&2; exit 2; }

# Tests install into a folder instead of /; on a real machine this is empty.
root=${BRUGERSTEMMEN_INSTALL_ROOT:-}
python=${PYTHON:-python3}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
app_dir=$root/opt/brugerstemmen
config_dir=$root/etc/brugerstemmen
units_dir=$root/etc/systemd/system
nginx_dir=$root/etc/nginx

echo "Installing Debian packages"
# fonts-noto-core: the Arabic and Farsi lines of the posters (app/posters.py).
packages="python3-venv python3-pip nginx sqlite3 fonts-noto-core"
[ -n "$lan" ] || packages="$packages certbot"
apt-get update -qq
# shellcheck disable=SC2086  # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages

echo "Creating the system user and its folders"
id brugerstemmen >/dev/null 2>&1 ||
  useradd --system --home-dir /var/lib/brugerstemmen --shell /usr/sbin/nologin brugerstemmen
install -d -m 755 "$app_dir" "$units_dir" "$nginx_dir/sites-available" "$nginx_dir/sites-enabled" "$nginx_dir/snippets"
install -d -m 700 -o brugerstemmen -g brugerstemmen "$root/var/lib/brugerstemmen" "$root/var/backups/brugerstemmen"
install -d -m 750 -o root -g brugerstemmen "$config_dir"

echo "Installing the application in $app_dir"
for part in app pyproject.toml setup.py README.md; do
  rm -rf "${app_dir:?}/$part"
  cp -R "$source_dir/$part" "$app_dir/$part"
done
[ -x "$app_dir/.venv/bin/python" ] || "$python" -m venv "$app_dir/.venv"
"$app_dir/.venv/bin/pip" install --quiet --upgrade pip
# Editable: the app runs from $app_dir, beside its translations, fonts and static files.
"$app_dir/.venv/bin/pip" install --quiet --editable "$app_dir"
"$app_dir/.venv/bin/pybabel" compile -d "$app_dir/translations" >/dev/null

if [ -n "$lan" ]; then
  [ -n "$address" ] || address=$(hostname -I | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}$' || true)
  [ -n "$address" ] || fail "could not find this box's IPv4 address on the network; give it with --address"
  base_url=http://$address
  site=brugerstemmen-lan.conf
else
  base_url=https://$domain
  site=brugerstemmen.conf
fi
env_file=$config_dir/env
if [ ! -e "$env_file" ]; then  # kept on upgrades: it may hold the operator's own settings
  printf 'BRUGERSTEMMEN_DATA_DIR=/var/lib/brugerstemmen\nBRUGERSTEMMEN_BASE_URL=%s\nBRUGERSTEMMEN_ROLE=%s\n' \
    "$base_url" "$role" > "$env_file"
  chown root:brugerstemmen "$env_file"
  chmod 640 "$env_file"
fi

echo "Installing the services and the nginx site"
for unit in brugerstemmen.service brugerstemmen-backup.service brugerstemmen-backup.timer \
            brugerstemmen-sync.service brugerstemmen-sync.timer; do
  install -m 644 "$source_dir/deploy/$unit" "$units_dir/$unit"
done
install -m 644 "$source_dir/deploy/nginx/brugerstemmen-common.conf" "$nginx_dir/snippets/brugerstemmen-common.conf"
sed "s/stemme\\.example\\.dk/$domain/g" "$source_dir/deploy/nginx/$site" > "$nginx_dir/sites-available/brugerstemmen"
ln -sf ../sites-available/brugerstemmen "$nginx_dir/sites-enabled/brugerstemmen"
rm -f "$nginx_dir/sites-enabled/default"

runuser -u brugerstemmen -- sh -c "set -a; . '$env_file'; exec '$app_dir/.venv/bin/brugerstemmen' init"

if [ -z "$lan" ]; then
  # The certificate, with nginx stopped for the moment certbot answers on port 80 itself;
  # renewals (certbot's own timer) do the same.
  certbot certonly --standalone -d "$domain" --email "$email" --agree-tos --non-interactive \
    --keep-until-expiring --pre-hook "systemctl stop nginx" --post-hook "systemctl start nginx" ||
    { echo "install.sh: no certificate for $domain: check that its DNS points here and port 80 is open, then run again" >&2; exit 1; }
fi
nginx -t
systemctl daemon-reload
systemctl enable --now brugerstemmen.service brugerstemmen-backup.timer
[ "$role" = hub ] || systemctl enable --now brugerstemmen-sync.timer
systemctl reload-or-restart nginx

run_as="runuser -u brugerstemmen -- sh -c 'set -a; . /etc/brugerstemmen/env; exec /opt/brugerstemmen/.venv/bin/brugerstemmen \"\$@\"' -"
echo
echo "Brugerstemmen runs at $base_url/"
echo "  Staff sign in:  $base_url/staff/login"
echo "  Commands:       $run_as centre add 'Værestedet' (and staff add, hub ..., see README)"
echo "  Backups:        /var/backups/brugerstemmen, every night (closed weeks only)"
