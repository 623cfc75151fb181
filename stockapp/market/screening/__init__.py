"""Stock screening: the rows a screen filters (`ScreenData`), criteria and query parameters."""

from stockapp.market.screening.criteria import (
    CRORE,
    ScreenCriteria,
    ScreenRow,
    apply_screen,
    criteria_from_dict,
    criteria_to_dict,
)
from stockapp.market.screening.data import (
    ScreenData,
    relative_performance,
    shared_screen_data,
)
from stockapp.market.screening.query import (
    MAX_LIMIT,
    PARAMS,
    ScreenParamError,
    criteria_from_params,
    params_from_criteria,
)

__all__ = [
    "CRORE",
    "MAX_LIMIT",
    "PARAMS",
    "ScreenCriteria",
    "ScreenData",
    "ScreenParamError",
    "ScreenRow",
    "apply_screen",
    "criteria_from_dict",
    "criteria_from_params",
    "criteria_to_dict",
    "params_from_criteria",
    "relative_performance",
    "shared_screen_data",
]
