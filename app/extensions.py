"""Extension objects, created unbound and bound to the app in create_app()."""

from flask_appbuilder.models.sqla import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's Model.metadata, so Alembic sees FAB's tables as ours (see DESIGN.md).
db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
