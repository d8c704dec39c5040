"""Every table of every domain, imported so Alembic and tests see one metadata.

This is the one module in core that names the other domains: it only gathers their tables.
"""

from core.accounts import models as accounts_models  # noqa: F401
from core.audit import models as audit_models  # noqa: F401
from core.basemap import models as basemap_models  # noqa: F401
from core.crimes import models as crimes_models  # noqa: F401
from core.db import Base
from core.places import models as places_models  # noqa: F401
from havens import models as havens_models  # noqa: F401
from mapping import models as mapping_models  # noqa: F401
from mapping.ogc import models as ogc_models  # noqa: F401

metadata = Base.metadata
