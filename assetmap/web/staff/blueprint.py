"""The staff pages' blueprint: moderation, history and trusted organisations register on it."""

from flask import Blueprint

staff = Blueprint("staff", __name__)
