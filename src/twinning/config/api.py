"""The REST API: one NinjaAPI mounting each app's router, errors mapped once."""

from ninja import NinjaAPI

from twinning.accounts.api import router as accounts_router
from twinning.bulletins.api import router as bulletins_router
from twinning.consultations.api import router as consultations_router
from twinning.core.api import AUTH, install_error_handlers
from twinning.dashboards.api import router as dashboards_router
from twinning.evaluation.api import router as evaluation_router
from twinning.exchanges.api import router as exchanges_router
from twinning.health.api import router as health_router
from twinning.indicators.api import router as indicators_router
from twinning.knowledge.api import router as knowledge_router
from twinning.notifications.api import router as notifications_router
from twinning.pairings.api import router as pairings_router
from twinning.plans.api import router as plans_router
from twinning.regions.api import router as regions_router
from twinning.search.api import router as search_router
from twinning.supervision.api import router as supervision_router

api = NinjaAPI(
    title="Twinning API",
    version="1",
    description=(
        "REST API of the household-waste-sorting one-to-one exchange and collaboration platform. "
        "Authenticate with `Authorization: Bearer <token>` (create tokens on your account page "
        "or with `twinning create-token`). Errors are RFC 9457 problem+json with a stable `code`."
    ),
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", regions_router)
api.add_router("", pairings_router)
api.add_router("", plans_router)
api.add_router("", exchanges_router)
api.add_router("", consultations_router)
api.add_router("", notifications_router)
api.add_router("", indicators_router)
api.add_router("", knowledge_router)
api.add_router("", search_router)
api.add_router("", health_router)
api.add_router("", supervision_router)
api.add_router("", evaluation_router)
api.add_router("", bulletins_router)
api.add_router("", dashboards_router)
