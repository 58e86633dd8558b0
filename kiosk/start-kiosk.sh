#!/bin/sh
# Start Chromium as a locked, full-screen Brugerstemmen kiosk on a Linux tablet.
# Usage: start-kiosk.sh URL   (e.g. https://stemme.example.dk/kiosk/)
set -eu
url=${1:?usage: start-kiosk.sh URL-of-the-kiosk-page}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "start-kiosk.sh: install chromium first (apt-get install chromium)" >&2; exit 1; }
profile=${XDG_CONFIG_HOME:-$HOME/.config}/brugerstemmen-kiosk
mkdir -p "$profile"
exec "$browser" --kiosk --user-data-dir="$profile" --no-first-run --noerrdialogs \
  --disable-translate --disable-features=Translate,PasswordManagerOnboarding \
  --password-store=basic --disable-session-crashed-bubble --overscroll-history-navigation=0 \
  --check-for-update-interval=31536000 "$url"
