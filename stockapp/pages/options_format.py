"""Display strings for the Options page: a priced chain as table rows and a summary.

No Reflex here: plain functions of the domain's OptionChain, so they are easy to test.
"""

from __future__ import annotations

from stockapp import formatting as fmt
from stockapp.market.models import Instrument
from stockapp.market.options import BANKNIFTY, FINNIFTY, NIFTY, Contract, OptionChain, OptionLeg

URL_NAMES = {NIFTY: "NIFTY", BANKNIFTY: "BANKNIFTY", FINNIFTY: "FINNIFTY"}


def url_name(inst: Instrument) -> str:
    return URL_NAMES.get(inst.symbol, inst.symbol)


def _num(value: float, decimals: int = 2) -> str:
    """fmt.number, fast where Indian and Western grouping agree (below one lakh)."""
    if abs(value) < fmt.LAKH:
        return fmt.fixed(value, decimals)
    return fmt.number(value, decimals)


def expiry_label(contract: Contract) -> str:
    """ "2027-01-25 · monthly", with "(est.)" when the holiday list behind it is estimated."""
    label = f"{contract.expiry.isoformat()} · {contract.kind}"
    return label if contract.calendar_verified else f"{label} (est.)"


def _compact(value: int) -> str:
    """fmt.compact without Babel on the hot path: 2,942 / 2.37 L / 1.20 Cr."""
    size = abs(value)
    sign = "-" if value < 0 else ""
    if size >= fmt.CRORE:
        return f"{sign}{_num(size / fmt.CRORE)} Cr"
    if size >= fmt.LAKH:
        return f"{sign}{fmt.fixed(size / fmt.LAKH, 2)} L"
    return f"{sign}{size:,}"


def _leg_cells(prefix: str, leg: OptionLeg, max_oi: int, greeks: bool) -> dict[str, str]:
    cells = {
        prefix + "l": _num(leg.ltp),
        prefix + "b": _num(leg.bid),
        prefix + "a": _num(leg.ask),
        prefix + "v": _compact(leg.volume),
        prefix + "o": _compact(leg.oi),
        prefix + "c": ("+" if leg.oi_change > 0 else "") + _compact(leg.oi_change),
        prefix + "w": f"{(100 * leg.oi / max_oi) if max_oi else 0:.0f}%",
    }
    if greeks:
        cells |= {
            prefix + "iv": f"{leg.iv * 100:.1f}",
            prefix + "d": fmt.fixed(leg.delta, 2),
            prefix + "g": f"{leg.gamma:.4f}",
            prefix + "t": fmt.fixed(leg.theta, 2),
            prefix + "n": fmt.fixed(leg.vega, 2),
        }
    return cells


def format_rows(chain: OptionChain, greeks: bool) -> list[dict[str, str]]:
    spot = chain.underlying_price
    max_oi = max((max(r.call.oi, r.put.oi) for r in chain.rows), default=0)
    out = []
    for row in chain.rows:
        cells = {
            "k": _num(row.strike),
            "atm": "1" if row.strike == chain.atm_strike else "",
            "ci": "1" if row.strike < spot else "",
            "pi": "1" if row.strike > spot else "",
        }
        cells |= _leg_cells("c", row.call, max_oi, greeks)
        cells |= _leg_cells("p", row.put, max_oi, greeks)
        out.append(cells)
    return out


def chain_summary(chain: OptionChain) -> dict[str, str]:
    return {
        "pcr": "–" if chain.pcr is None else fmt.fixed(chain.pcr, 2),
        "max_pain": fmt.number(chain.max_pain),
        "atm": fmt.number(chain.atm_strike),
        "lot": str(chain.lot_size),
        "days": f"{chain.time_to_expiry_years * 365:.1f}",
        "rate": f"{chain.risk_free_rate * 100:.2f}%",
    }
