"""The models, one class each: BG/NBD, Pareto/NBD, MBG/NBD (purchases) and Gamma-Gamma (spend).

An instance holds its parameters (``BGNBD({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})``)
and computes everything the analysis needs from them: log-likelihood, P(alive),
expected and conditional expected purchases, P(buy again within t), the purchase
pmf and simulated transactions (see :class:`TransactionModel`), or expected
spend (:class:`GammaGamma`). A model's code (``bgnbd`` …) is its key in params,
metrics and the catalog; :func:`model_class` maps it to the class, once.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value.models.base import Model
from repurchase.lifetime_value.models.bgnbd import BGNBD
from repurchase.lifetime_value.models.gamma_gamma import GammaGamma
from repurchase.lifetime_value.models.mbgnbd import MBGNBD
from repurchase.lifetime_value.models.pareto_nbd import ParetoNBD
from repurchase.lifetime_value.models.transaction import TransactionModel

__all__ = [
    "BGNBD",
    "MBGNBD",
    "MODELS",
    "PARAM_NAMES",
    "TRANSACTION_MODELS",
    "GammaGamma",
    "Model",
    "ParetoNBD",
    "TransactionModel",
    "model_class",
    "simulate_transactions",
]

#: every model by its code, in the order the report lists them
MODELS: dict[str, type[Model]] = {m.code: m for m in (BGNBD, ParetoNBD, MBGNBD, GammaGamma)}
#: codes of the purchase models (``lifetime_value.model`` in params, keys of metrics)
TRANSACTION_MODELS: tuple[str, ...] = tuple(c for c, m in MODELS.items() if issubclass(m, TransactionModel))
#: parameter names by model code
PARAM_NAMES: dict[str, tuple[str, ...]] = {c: m.param_names for c, m in MODELS.items()}


def model_class(model: str | type[Model]) -> type[Model]:
    """The class of a model code (``bgnbd`` -> :class:`BGNBD`); a class is returned as it is.

    Raises
    ------
    AnalysisError
        For an unknown code.
    """
    if isinstance(model, type) and issubclass(model, Model):
        return model
    if model not in MODELS:
        raise AnalysisError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    return MODELS[model]


def simulate_transactions(
    n_customers: int,
    *,
    model: str | type[TransactionModel] = "bgnbd",
    params: dict[str, float] | None = None,
    spend_params: dict[str, float] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Simulate transactions from a purchase model and Gamma-Gamma (see :meth:`TransactionModel.simulate`).

    ``params`` and ``spend_params`` default to the published CDNOW estimates
    (weekly rates) of the model class and of Gamma-Gamma; ``kwargs`` go to
    :meth:`TransactionModel.simulate` (``start``, ``acquisition_days``,
    ``observation_days``, ``lines_per_occasion``, ``seed``, ``id_prefix``).
    """
    cls = model_class(model)
    if not issubclass(cls, TransactionModel):
        raise AnalysisError(f"unknown model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")
    spend = GammaGamma(spend_params if spend_params is not None else GammaGamma.published)
    return cls(params if params is not None else cls.published).simulate(n_customers, spend=spend, **kwargs)
