"""A transparent rules engine turning indicator values into Buy / Hold / Sell.

Every rule that fires adds signed points and one plain sentence, so a user can see why a
verdict was reached. Raw points are scaled by the largest total the rules could add in one
direction (`MAX_POINTS`) to a score in [-100, 100]. A score of at least `BUY_THRESHOLD` (25)
is Buy, at most `SELL_THRESHOLD` (-25) is Sell, anything between is Hold: roughly, two
agreeing moderate signals, or one strong one backed by trend, are needed to act.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from stockapp.formatting import fixed
from stockapp.market.indicators import IndicatorSnapshot

Verdict = Literal["Buy", "Hold", "Sell"]

BUY_THRESHOLD = 25
SELL_THRESHOLD = -25

# Points per rule; within one group only the strongest applicable rule fires.
RSI_POINTS = 20
MACD_CROSS_POINTS = 20
MACD_SIDE_POINTS = 8
SMA50_POINTS = 8
SMA200_POINTS = 12
SMA_CROSS_POINTS = 20
BREAKOUT_POINTS = 15
NEAR_EXTREME_POINTS = 5
VOLUME_SURGE_POINTS = 15
MAX_POINTS = (
    RSI_POINTS
    + MACD_CROSS_POINTS
    + SMA50_POINTS
    + SMA200_POINTS
    + SMA_CROSS_POINTS
    + BREAKOUT_POINTS
    + VOLUME_SURGE_POINTS
)


@dataclass(frozen=True, slots=True)
class SignalRules:
    """Tunable thresholds; the defaults are the textbook values."""

    rsi_oversold: float = 30.0
    rsi_overbought: float = 70.0
    cross_lookback: int = 10  # bars within which a golden/death cross still counts
    near_extreme_pct: float = 3.0  # "near" the 52-week high/low, in percent
    volume_surge_ratio: float = 2.0  # today's volume / 20-day average


DEFAULT_RULES = SignalRules()


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    symbol: str
    verdict: Verdict
    score: int
    reasons: list[str]
    price: float
    change_percent: float | None
    rsi14: float | None
    macd: float | None
    macd_signal: float | None
    sma50: float | None
    sma200: float | None
    high_52w: float
    low_52w: float
    volume_ratio: float | None
    hits: list[RuleHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _money(value: float) -> str:
    return f"₹{fixed(value, 2)}"


def _rsi_rule(snap: IndicatorSnapshot, rules: SignalRules) -> RuleHit | None:
    rsi = snap.rsi14
    if rsi is None:
        return None
    if rsi < rules.rsi_oversold:
        reason = f"RSI {rsi:.1f} is below {rules.rsi_oversold:g} (oversold)"
        return RuleHit("rsi_oversold", RSI_POINTS, reason)
    if rsi > rules.rsi_overbought:
        reason = f"RSI {rsi:.1f} is above {rules.rsi_overbought:g} (overbought)"
        return RuleHit("rsi_overbought", -RSI_POINTS, reason)
    return None


def _macd_rule(snap: IndicatorSnapshot) -> RuleHit | None:
    macd, signal = snap.macd, snap.macd_signal
    if macd is None or signal is None:
        return None
    prev, prev_signal = snap.macd_prev, snap.macd_signal_prev
    if prev is not None and prev_signal is not None:
        if prev <= prev_signal and macd > signal:
            reason = "MACD crossed above its signal line (bullish crossover)"
            return RuleHit("macd_bullish_cross", MACD_CROSS_POINTS, reason)
        if prev >= prev_signal and macd < signal:
            reason = "MACD crossed below its signal line (bearish crossover)"
            return RuleHit("macd_bearish_cross", -MACD_CROSS_POINTS, reason)
    if macd > signal:
        reason = f"MACD {macd:.2f} is above its signal line {signal:.2f}"
        return RuleHit("macd_above_signal", MACD_SIDE_POINTS, reason)
    if macd < signal:
        reason = f"MACD {macd:.2f} is below its signal line {signal:.2f}"
        return RuleHit("macd_below_signal", -MACD_SIDE_POINTS, reason)
    return None


def _sma_side_rule(price: float, sma: float | None, days: int, points: int) -> RuleHit | None:
    if sma is None or price == sma:
        return None
    side = "above" if price > sma else "below"
    reason = f"Price {_money(price)} is {side} the {days}-day average {_money(sma)}"
    return RuleHit(f"{side}_sma{days}", points if price > sma else -points, reason)


def _sma_cross_rule(snap: IndicatorSnapshot, rules: SignalRules) -> RuleHit | None:
    golden, death = snap.bars_since_golden_cross, snap.bars_since_death_cross
    recent_golden = golden is not None and golden <= rules.cross_lookback
    recent_death = death is not None and death <= rules.cross_lookback
    if recent_golden and (not recent_death or golden < death):
        ago = "today" if golden == 0 else f"{golden} bars ago"
        reason = f"50-day average crossed above the 200-day average {ago} (golden cross)"
        return RuleHit("golden_cross", SMA_CROSS_POINTS, reason)
    if recent_death:
        ago = "today" if death == 0 else f"{death} bars ago"
        reason = f"50-day average crossed below the 200-day average {ago} (death cross)"
        return RuleHit("death_cross", -SMA_CROSS_POINTS, reason)
    return None


def _extremes_rule(snap: IndicatorSnapshot, price: float, rules: SignalRules) -> RuleHit | None:
    prior_high, prior_low = snap.prior_high_52w, snap.prior_low_52w
    if prior_high is not None and price >= prior_high:
        reason = f"Price {_money(price)} is at or above the 52-week high {_money(prior_high)}"
        return RuleHit("breakout_52w", BREAKOUT_POINTS, reason)
    if prior_low is not None and price <= prior_low:
        reason = f"Price {_money(price)} is at or below the 52-week low {_money(prior_low)}"
        return RuleHit("breakdown_52w", -BREAKOUT_POINTS, reason)
    near = rules.near_extreme_pct
    if snap.high_52w > 0:
        below_high = (snap.high_52w - price) / snap.high_52w * 100
        if 0 <= below_high <= near:
            reason = f"Price is within {below_high:.1f}% of the 52-week high"
            return RuleHit("near_52w_high", NEAR_EXTREME_POINTS, reason)
    if snap.low_52w > 0:
        above_low = (price - snap.low_52w) / snap.low_52w * 100
        if 0 <= above_low <= near:
            reason = f"Price is within {above_low:.1f}% of the 52-week low"
            return RuleHit("near_52w_low", -NEAR_EXTREME_POINTS, reason)
    return None


def _volume_rule(
    snap: IndicatorSnapshot, change_percent: float | None, rules: SignalRules
) -> RuleHit | None:
    ratio = snap.volume_ratio
    if (
        ratio is None
        or change_percent is None
        or ratio < rules.volume_surge_ratio
        or not change_percent
    ):
        return None
    direction = "up" if change_percent > 0 else "down"
    reason = (
        f"Volume is {ratio:.1f}x the 20-day average with the price {direction} "
        f"{abs(change_percent):.2f}%"
    )
    points = VOLUME_SURGE_POINTS if change_percent > 0 else -VOLUME_SURGE_POINTS
    return RuleHit(f"volume_surge_{direction}", points, reason)


def verdict_for(score: int) -> Verdict:
    if score >= BUY_THRESHOLD:
        return "Buy"
    if score <= SELL_THRESHOLD:
        return "Sell"
    return "Hold"


def evaluate(
    symbol: str,
    snapshot: IndicatorSnapshot,
    price: float | None = None,
    *,
    rules: SignalRules = DEFAULT_RULES,
) -> Recommendation:
    """Recommendation for one symbol.

    The snapshot should describe the current session (fold a live tick in with
    `indicators.with_live_price`); `price` defaults to its close and the day's direction is
    measured against `snapshot.prev_close`.
    """
    live = snapshot.close if price is None else price
    prev = snapshot.prev_close
    change_percent = (live - prev) / prev * 100 if prev else None
    candidates = (
        _rsi_rule(snapshot, rules),
        _macd_rule(snapshot),
        _sma_side_rule(live, snapshot.sma50, 50, SMA50_POINTS),
        _sma_side_rule(live, snapshot.sma200, 200, SMA200_POINTS),
        _sma_cross_rule(snapshot, rules),
        _extremes_rule(snapshot, live, rules),
        _volume_rule(snapshot, change_percent, rules),
    )
    hits = [hit for hit in candidates if hit is not None]
    raw = sum(hit.points for hit in hits)
    score = max(-100, min(100, round(raw * 100 / MAX_POINTS)))
    reasons = [hit.reason for hit in hits] or ["No rule fired; the indicators are neutral"]
    return Recommendation(
        symbol=symbol,
        verdict=verdict_for(score),
        score=score,
        reasons=reasons,
        price=live,
        change_percent=round(change_percent, 2) if change_percent is not None else None,
        rsi14=snapshot.rsi14,
        macd=snapshot.macd,
        macd_signal=snapshot.macd_signal,
        sma50=snapshot.sma50,
        sma200=snapshot.sma200,
        high_52w=max(snapshot.high_52w, live),
        low_52w=min(snapshot.low_52w, live),
        volume_ratio=snapshot.volume_ratio,
        hits=hits,
    )
