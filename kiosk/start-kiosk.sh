#!/bin/sh
# Start Chromium as a locked, full-screen Brugerstemmen kiosk.
# Usage: start-kiosk.sh URL   (the tablet's pairing link, or https://your-server/kiosk/)
# Run by the brugerstemmen-kiosk user service (see install-kiosk.sh), which restarts it.
set -eu
url=${1:?usage: start-kiosk.sh URL-of-the-pairing-link-or-kiosk-page}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "start-kiosk.sh: install chromium first (apt-get install chromium)" >&2; exit 1; }

# The screen stays on: no screen saver, no power saving (X11; Wayland desktops: install-kiosk.sh).
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null; then
  xset s off s noblank -dpms 2>/dev/null || true
fi

# Its own profile keeps the pairing cookie and any answers waiting for the network.
profile=${XDG_CONFIG_HOME:-$HOME/.config}/brugerstemmen-kiosk/profile
mkdir -p "$profile"
# After a crash or power cut, start clean instead of offering to "restore pages".
sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"Crashed"/"exit_type":"Normal"/' \
  "$profile/Default/Preferences" 2>/dev/null || true

exec "$browser" --kiosk --user-data-dir="$profile" --no-first-run --noerrdialogs \
  --disable-translate --disable-features=Translate,PasswordManagerOnboarding \
  --password-store=basic --disable-session-crashed-bubble --overscroll-history-navigation=0 \
  --disable-pinch --check-for-update-interval=31536000 "$url"
