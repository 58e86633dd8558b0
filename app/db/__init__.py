"""The only package that speaks SQL: connection, migrations and named queries.

Views, commands and the sync call these functions as `db.name(...)`; each module below holds
one part of the schema's story.
"""

from .core import (
    close_db, connect, get_db, new_token, path_in, write_transaction, BUSY_TIMEOUT_MS, CentreExists,
    DB_FILENAME, StorageError)
from .schema import applied_migrations, known_migrations, migrate
from .backups import check as check_backup, restore_backup, write_backup, NotABackup
from .replies import latest_reply, reply_for, save_reply
from .centres import (
    centre_by_short_code, centre_by_slug, centre_by_survey_token, centre_for_kiosk, centre_for_pairing, create_centre,
    create_pairing, kiosk_seen, kiosks_of, list_centres, pair_kiosk, revoke_kiosk, rotate_survey_token, set_kiosk_pin,
    update_centre, CENTRE_SETTINGS)
from .open_weeks import adopt as adopt_open_weeks, settle, store as store_answer, OpenWeekError, RECEIPT_WEEKS
from .responses import (
    answers_of, compact, count_responses, delete_message, delete_messages_before, insert_response, messages_before,
    messages_in_week, messages_of, open_week_counts, receipts, record_response, responses_of)
from .staff import (
    centres_of, create_staff, end_sessions, make_hub_admin, make_site_admin, remove_membership, role_at, set_membership,
    set_password, set_staff_language, staff_by_email, staff_by_id, team_of, StaffExists)
from .throttle import (
    claim_attempt, close_throttle_db, forget_login_failures, give_back_failure, get_throttle_db, open_throttle,
    record_login_failure, throttle_locked_until, throttle_path, THROTTLE_FILENAME)
from .invitations import (
    accept_join_invite, accept_password_invite, create_invite, forget_password_links, invitation, invitations_at,
    may_set_password, withdraw_invites)
from .counts import (
    count_before, decided_keys, decided_period, decided_periods, delete_responses, first_week, first_year, folded_counts,
    is_decided, is_folded, published_decisions, raw_weeks, save_folded, save_published, store_counts, uncounted_years,
    year_answers)
from .hub import (
    count_active_hub_centres, decided_national, first_answered_week, first_reported_year, has_reports, hub_centre,
    hub_centre_by_code, list_hub_centres, period_aggregates, period_pushes, register_hub_centre, remember_nonce,
    reported_periods, revoke_hub_centre, save_decided_national, set_hub_centre_key, set_hub_centre_status, signing_key,
    store_aggregate, centres_publishing_replies, HubCentreExists, HUB_CENTRE_FIELDS)
from . import counters, file_times
from .sync import (
    acknowledge, acknowledged_periods, connect_hub, hub_link, hub_links, national, outbox_format, outbox_state,
    outbox_weeks, record_sync_failure, record_sync_success, refresh_outbox, save_national, set_outbox_format, status_sent,
    waiting)
