"""Forms of the staff side."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, widgets)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Regexp

from ..accounts import EMAIL_PATTERN
from ..kiosk_pin import PIN_PATTERN
from ..plain_text import OneLine


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("The new password again"),
                           validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Your current password"), validators=[DataRequired(), Length(max=200)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail of the new colleague"),
                       validators=[DataRequired(), Length(max=254),
                                   Regexp(EMAIL_PATTERN, message=_l("That is not an e-mail address."))])
    role = SelectField(_l("Role"), choices=[SelectChoice("staff", _l("Staff: sees summaries and downloads")),
                                            SelectChoice("admin", _l("Admin: also changes settings and the team"))])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LimitOrOff(NumberRange):
    """A limit against stuffing, 5 to 600; or 0, "off", where the server's configuration has
    switched it off (README: the way to do so), so that the page can be saved as it is shown."""

    def __init__(self, config_name):
        super().__init__(5, 600)
        self.config_name = config_name

    def __call__(self, form, field):
        if field.data == 0 and current_app.config[self.config_name] == 0:
            return
        super().__call__(form, field)


class CentreSettingsForm(FlaskForm):
    name = StringField(_l("Name of the centre"), validators=[DataRequired(), Length(max=120), OneLine()])
    questions = MultiCheckboxField(_l("Optional questions that are asked"))
    languages = MultiCheckboxField(_l("Languages offered besides Danish"))
    min_cell_size = IntegerField(_l("Smallest group any number is shown for (k)"),
                                 validators=[InputRequired(), NumberRange(3, 50)])
    kiosk_idle_seconds = IntegerField(_l("Seconds without a touch before the kiosk starts over"),
                                      validators=[InputRequired(), NumberRange(20, 600)])
    retention_months = IntegerField(_l("Months the answers themselves are kept (then only the published totals)"),
                                    validators=[InputRequired(), NumberRange(3, 120)])
    message_retention_months = IntegerField(_l("Months a written message is kept"),
                                            validators=[InputRequired(), NumberRange(1, 24)])
    show_said = BooleanField(_l("After an answer, show what people here said last (only numbers staff may see)"))
    kiosk_answer_interval_seconds = IntegerField(_l("Seconds a tablet waits after storing an answer before it stores the next"),
                                                 validators=[InputRequired(), LimitOrOff("KIOSK_ANSWER_INTERVAL_SECONDS")])
    answers_per_minute = IntegerField(_l("Answers the survey link (the QR code) takes in one minute at most"),
                                      validators=[InputRequired(), LimitOrOff("SURVEY_ANSWERS_PER_MINUTE")])


class KioskPinForm(FlaskForm):
    pin = PasswordField(_l("Kiosk PIN for staff (4 to 8 digits)"),
                        validators=[DataRequired(), Regexp(PIN_PATTERN, message=_l("Use 4 to 8 digits."))],
                        render_kw={"inputmode": "numeric"})


class RotateTokenForm(FlaskForm):
    understood = BooleanField(_l("I understand that printed posters with the old QR code stop working"),
                              validators=[DataRequired(_l("Tick the box to confirm."))])
