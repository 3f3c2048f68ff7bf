"""Signing in and out: Flask-Login sessions, CSRF on every form, throttled login attempts.

Login failures say only that the email or password is not right (never which). Each client
may try a few times a minute, and fail a few times a minute (and an hour) at each address:
failures are counted per address *and* client, so someone hammering an account elsewhere never
locks its owner out. Signing out ends every session of the account (``session_guard``).
The limiter keeps its counts in the storage ``ASSETMAP_RATELIMIT_STORAGE_URL`` names: by
default ``database://``, a table in the app's own database that every worker process shares
(``accounts.throttle``); ``memory://`` counts per process (tests).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask.wrappers import Request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from assetmap.accounts import throttle
from assetmap.accounts.links import Purpose, make_link_token, user_for_link
from assetmap.accounts.users import authenticate, create_user, end_sessions, normalise_email
from assetmap.accounts.users import set_password as change_password
from assetmap.config import Config
from assetmap.errors import AssetmapError, ValidationError
from assetmap.models import Role, User
from assetmap.outbox.services import queue_email
from assetmap.web.context import app_database, database_of, db_session
from assetmap.web.links import absolute_for
from assetmap.web.session_guard import init_session_guard, load_user, session_id
from assetmap.web.wording import ROLE_NAMES

auth = Blueprint("auth", __name__)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])

LOGIN_LIMIT = "10 per minute"
#: Failed sign-ins at one address from one client (a success costs nothing).
LOGIN_FAILURES_PER_EMAIL = "5 per minute;20 per hour"
GENERIC_FAILURE = "The email address or password is not right."


class SignedIn(UserMixin):
    """The signed-in user as Flask-Login sees them: an id and a role, nothing to go stale."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.email = user.email
        self.name = user.name or user.email
        self.role = user.role
        self._session_id = session_id(user)

    def get_id(self) -> str:
        """The id and session generation: the session ends when the generation moves on."""
        return self._session_id

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


# ---- who is signed in, and what they may open ----------------------------------------------


def signed_in_user() -> User | None:
    """The signed-in person as a model in the request's session, or None for anyone not
    signed in (or whose account has gone or been disabled since they signed in).

    Flask-Login's ``current_user`` holds only an id and a role; the domain calls that check
    what someone may do want the model. Loaded once per request, into ``g.user``."""
    if "user" not in g:
        g.user = None
        if current_user.is_authenticated:
            user = db_session().get(User, current_user.id)
            g.user = user if user is not None and user.active else None
    found: User | None = g.user
    return found


def acting_user() -> User:
    """The person a view acts for: sign in first if nobody is signed in, 403 if their
    account has gone or been disabled."""
    user = signed_in_user()
    if user is None:
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(403)
    return user


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Only people with one of ``roles`` may open the view: anyone not signed in is sent to
    sign in first, anyone signed in with another role gets 403. The view then finds the
    person with ``acting_user()``."""
    allowed = frozenset(roles)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()  # type: ignore[no-any-return]
            if current_user.role not in allowed:
                abort(403)
            acting_user()
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def init_auth(app: Flask, config: Config) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.cookies_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config.cookies_secure,
        RATELIMIT_STORAGE_URI=config.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if urlsplit(config.ratelimit_storage_url).scheme == throttle.SCHEME:
        # One limiter serves every app made in this process: each call counts in the
        # database of the app it is made for (this one's outside a request).
        own = database_of(app)
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "database": lambda: app_database() if has_app_context() else own
        }
    csrf.init_app(app)
    limiter.init_app(app)
    if not (app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")):
        limiter.request_filter(_has_no_limit)
    app.session_interface = CookielessSessions()
    login_manager.init_app(app)
    init_session_guard(app, config)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    app.register_blueprint(auth)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return {"error": {"code": "csrf", "message": error.description, "field": None}}, 400
        return render_template("auth/csrf.html", reason=error.description), 400


def limit(*args: Any, **kwargs: Any) -> Callable[[View], View]:
    """``limiter.limit``, remembering the view: every other view skips the limiter's work."""

    def decorate(view: View) -> View:
        _LIMITED.add(f"{view.__module__}.{view.__name__}")
        return limiter.limit(*args, **kwargs)(view)  # type: ignore[return-value]

    return decorate


#: The views ``limit`` decorates (module.name), and each endpoint's answer once looked up.
_LIMITED: set[str] = set()
_UNLIMITED_ENDPOINTS: dict[tuple[int, str], bool] = {}


def _has_no_limit() -> bool:
    """The limiter's request filter: True (skip every check) for an endpoint whose view has
    no limit. With no default or application limit that is every view but sign-in's, and
    the check otherwise costs about a millisecond a request."""
    endpoint = request.endpoint or ""
    key = (id(current_app._get_current_object()), endpoint)  # type: ignore[attr-defined]
    if key not in _UNLIMITED_ENDPOINTS:
        view = current_app.view_functions.get(endpoint)
        name = f"{view.__module__}.{view.__name__}" if view is not None else ""
        _UNLIMITED_ENDPOINTS[key] = view is not None and name not in _LIMITED
    return _UNLIMITED_ENDPOINTS[key]


class CookielessSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signer for a request that sends
    no session cookie (most API calls): its session is empty either way."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    user = load_user(user_id)
    return SignedIn(user) if user is not None else None


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


#: C0 controls (tab, CR, LF among them), DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _email_key() -> str:
    """One address from one client: failures elsewhere never count against its owner."""
    address = (request.form.get("email") or "").strip().lower()[:254]
    return f"login:{get_remote_address()}:{address}"


def _failed(response: Any) -> bool:
    return response.status_code == 401


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send someone on to another site after signing in."""
    # Browsers read "/\\host" as "//host": backslashes are refused along with "//". They drop
    # tabs and line breaks from a URL ("/\t/host" is "//host"), and a line break in the
    # Location header would end it: any control character is refused too.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not _CONTROL.search(target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("public.search")


@auth.route("/login", methods=["GET", "POST"])
@limit(LOGIN_LIMIT, methods=["POST"])
@limit(LOGIN_FAILURES_PER_EMAIL, methods=["POST"], key_func=_email_key, deduct_when=_failed)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.email.data or "", form.password.data or "")
        if user is not None:
            session.commit()
            login_user(SignedIn(user))
            return redirect(_safe_next(request.args.get("next")))
        session.rollback()
        failed = True
    elif request.method == "POST":
        failed = True
    status = 401 if failed else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@auth.post("/logout")
def logout() -> ResponseReturnValue:
    user = signed_in_user()
    if user is not None:  # every session of the account ends, a copied cookie's too
        end_sessions(user)
        db_session().commit()
    logout_user()
    flash("You have signed out.")
    return redirect(url_for("public.search"))


# ---- invitations and password resets --------------------------------------------------------


class InviteForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=200)])
    # Checked against the roles by create_user, which names the field when it is wrong.
    role = StringField("Role")
    organisations = StringField("Organisations (organisers only, separated by commas)")
    team = StringField("Team (link workers who share cases)", validators=[Length(max=100)])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField("The same password again", validators=[DataRequired()])


class ResetRequestForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])


def _secret() -> str:
    key = current_app.secret_key
    return key.decode() if isinstance(key, bytes) else (key or "")


def _link(token: str) -> str:
    """The emailed link: on the public URL, never the Host the request came with."""
    return absolute_for("auth.set_password", token=token)


@auth.route("/admin/users/invite", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite() -> ResponseReturnValue:
    form = InviteForm()
    error: ValidationError | None = None
    if form.validate_on_submit():
        session = db_session()
        names = [n.strip() for n in (form.organisations.data or "").split(",") if n.strip()]
        try:
            user = create_user(
                session,
                form.email.data or "",
                form.role.data or "",
                name=form.name.data or "",
                organisations=names,
                team=form.team.data or None,
            )
            token = make_link_token(_secret(), user, Purpose.INVITE)
            queue_email(
                session,
                user.email,
                "You are invited to assetmap",
                f"Hello{' ' + user.name if user.name else ''},\n\n"
                f"{acting_user().name or acting_user().email} has made you an assetmap account "
                f"({ROLE_NAMES[user.role].lower()}). Choose your password here within a "
                f"week:\n\n{_link(token)}\n\nIf you did not expect this, ignore it.\n",
            )
            session.commit()
            flash(f"Invitation sent to {user.email}.")
            return redirect(url_for("auth.invite"))
        except AssetmapError as problem:
            session.rollback()
            error = ValidationError(problem.message, field=problem.field)
    status = 400 if error or (request.method == "POST" and form.errors) else 200
    roles = [(role.value, ROLE_NAMES[role]) for role in Role]
    return render_template("auth/invite.html", form=form, error=error, roles=roles), status


@auth.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    session = db_session()
    secret = _secret()
    user = None
    problems: list[str] = []
    for purpose in Purpose:  # an invitation or a reset: the signature tells which
        try:
            user = user_for_link(session, secret, token, purpose)
            break
        except ValidationError as problem:
            problems.append(problem.message)
    if user is None:
        # A link signed for one purpose fails the other's signature: say the telling one.
        expired = [p for p in problems if "expired" in p]
        return render_template("auth/link_error.html", message=(expired or problems)[0]), 400
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            error = "The two passwords are not the same."
        else:
            try:
                change_password(user, form.password.data or "")
            except ValidationError as problem:
                error = "Your " + problem.message + "."
            else:
                session.commit()
                flash("Your password is set. Sign in with it now.")
                return redirect(url_for("auth.login"))
    elif request.method == "POST":
        error = "Type your new password twice."
    status = 400 if error else 200
    return render_template("auth/set_password.html", form=form, error=error, user=user), status


@auth.route("/account/reset", methods=["GET", "POST"])
@limit(LOGIN_LIMIT, methods=["POST"])
def reset() -> ResponseReturnValue:
    """Always the same answer, whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            address = normalise_email(form.email.data or "")
        except ValidationError:
            address = ""
        user = session.scalar(select(User).where(User.email == address)) if address else None
        if user is not None and user.active:
            token = make_link_token(_secret(), user, Purpose.RESET)
            queue_email(
                session,
                user.email,
                "Reset your assetmap password",
                f"Someone asked to reset the password of this assetmap account. Choose a new "
                f"one here within an hour:\n\n{_link(token)}\n\n"
                "If it was not you, ignore this email: your password has not changed.\n",
            )
            session.commit()
        return render_template("auth/reset_sent.html")
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status
