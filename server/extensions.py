"""The Flask extensions, created unbound and initialised by the app factory."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from server.models.base import Base

# create_savepoint lets tests bind the session to a connection inside an outer transaction;
# in production the session owns its transactions and the option changes nothing.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate()
