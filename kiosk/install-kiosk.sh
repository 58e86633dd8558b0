#!/bin/sh
# Make this Debian / Raspberry Pi OS machine a Brugerstemmen kiosk. Run it as the user whose
# desktop the tablet shows (not as root), with the pairing link from the staff area:
#   sh install-kiosk.sh https://stemme.example.dk/kiosk/pair/...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
url=${1:-}
case "$url" in
  http://*|https://*) ;;
  *) echo "install-kiosk.sh: give the tablet's pairing link (Settings → Tablets → Pair a new tablet)" >&2; exit 2 ;;
esac
if [ "$(id -u)" = 0 ]; then
  echo "install-kiosk.sh: run this as the desktop user, not as root" >&2
  exit 2
fi
command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
  echo "Note: Chromium is not installed yet: sudo apt-get install chromium"

config=${XDG_CONFIG_HOME:-$HOME/.config}
mkdir -p "$HOME/.local/bin" "$config/systemd/user" "$config/brugerstemmen-kiosk"
install -m 755 "$here/start-kiosk.sh" "$HOME/.local/bin/brugerstemmen-start-kiosk"
install -m 644 "$here/brugerstemmen-kiosk.service" "$config/systemd/user/brugerstemmen-kiosk.service"
# The pairing link is used once; after that the server sends this tablet on to the kiosk.
printf 'KIOSK_URL=%s\n' "$url" > "$config/brugerstemmen-kiosk/kiosk.env"

# Screen blanking off where the desktop has its own switch for it (X11 is handled at each start).
if command -v raspi-config >/dev/null; then
  sudo raspi-config nonint do_blanking 1 || echo "Note: turn off screen blanking in raspi-config → Display"
fi
if command -v gsettings >/dev/null; then
  gsettings set org.gnome.desktop.session idle-delay 0 2>/dev/null || true
  gsettings set org.gnome.desktop.screensaver lock-enabled false 2>/dev/null || true
fi

systemctl --user daemon-reload
systemctl --user enable --now brugerstemmen-kiosk.service
echo "The kiosk starts now and at every login. Let the desktop log this user in automatically"
echo "(Raspberry Pi OS: raspi-config → System → Auto login). Stop it: systemctl --user stop brugerstemmen-kiosk"
