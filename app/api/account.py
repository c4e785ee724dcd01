"""The API's logout: ends every session and every API token of the caller (app/accounts.py)."""

from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose
from flask_jwt_extended import get_jwt_identity, jwt_required

from .. import accounts


class AccountApi(BaseApi):
    resource_name = "akun"

    @expose("/keluar", methods=["POST"])
    @jwt_required()
    def logout(self):  # noqa: ANN201 (FAB's view signature)
        """Revoke all of the caller's tokens and browser sessions (a stolen token stops working)."""
        accounts.bump_generation(int(get_jwt_identity()))
        return self.response(200, message="Semua sesi dan token Anda diakhiri. (All your sessions and tokens ended.)")
