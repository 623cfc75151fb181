"""Price-alert rules and their evaluation against a stream of quotes.

Pure: no database, no event loop. The engine feeds each tick's changed quotes into an
`AlertBook` and persists what it reports (firings and re-arms). Evaluation costs only the
rules of the instruments that changed, through an index key -> rules.

Semantics: a rule fires on the first evaluated quote at which its condition holds, so a
rule created with its condition already true fires on the next tick. A one-shot rule then
deactivates; a repeating one disarms and re-arms once the condition has stopped holding.
The 52-week conditions ignore `value`: they hold when the price reaches the 52-week high
(or low) as it was known before this quote, i.e. a new extreme.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stockapp.formatting import inr, number, pct
from stockapp.market.models import Key, Quote

PRICE_ABOVE = "price_above"
PRICE_BELOW = "price_below"
CHANGE_PCT_ABOVE = "change_pct_above"
CHANGE_PCT_BELOW = "change_pct_below"
WEEK52_HIGH_CROSS = "week52_high_cross"
WEEK52_LOW_CROSS = "week52_low_cross"

CONDITIONS: tuple[str, ...] = (
    PRICE_ABOVE,
    PRICE_BELOW,
    CHANGE_PCT_ABOVE,
    CHANGE_PCT_BELOW,
    WEEK52_HIGH_CROSS,
    WEEK52_LOW_CROSS,
)
CONDITION_LABELS: dict[str, str] = {
    PRICE_ABOVE: "Price rises above",
    PRICE_BELOW: "Price falls below",
    CHANGE_PCT_ABOVE: "Day change % above",
    CHANGE_PCT_BELOW: "Day change % below",
    WEEK52_HIGH_CROSS: "New 52-week high",
    WEEK52_LOW_CROSS: "New 52-week low",
}
PRICE_CONDITIONS = frozenset({PRICE_ABOVE, PRICE_BELOW})
WEEK52_CONDITIONS = frozenset({WEEK52_HIGH_CROSS, WEEK52_LOW_CROSS})


class InvalidRule(ValueError):
    """A rule that can never be evaluated (unknown condition, non-finite or bad value)."""


MAX_ALERT_PRICE = 1e9  # INR; as for trade prices
CHANGE_PCT_RANGE = (-100.0, 10_000.0)  # a day change below -100 % cannot happen
ALERT_VALUE_RANGE = (CHANGE_PCT_RANGE[0], MAX_ALERT_PRICE)  # any condition's value


def validate_rule(condition: str, value: float) -> None:
    if condition not in CONDITIONS:
        raise InvalidRule(f"Unknown condition {condition!r}; use one of {', '.join(CONDITIONS)}")
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRule("value must be a finite number")
    if condition in PRICE_CONDITIONS and value <= 0:
        raise InvalidRule("a price alert needs a positive price")
    if condition in PRICE_CONDITIONS and value > MAX_ALERT_PRICE:
        raise InvalidRule(f"a price alert's price must be at most {MAX_ALERT_PRICE:g}")
    low, high = CHANGE_PCT_RANGE
    if condition.startswith("change_pct") and not low <= value <= high:
        raise InvalidRule(f"a day-change alert's percent must be between {low:g} and {high:g}")


@dataclass(slots=True)
class AlertRule:
    id: int
    user_id: int
    symbol: str
    market: str
    condition: str
    value: float
    repeat: bool = False
    armed: bool = True
    active: bool = True

    @property
    def key(self) -> Key:
        return (self.symbol, self.market)


@dataclass(frozen=True, slots=True)
class Firing:
    rule: AlertRule
    price: float
    message: str


@dataclass(slots=True)
class Evaluation:
    """What one batch of quotes did: rules that fired and repeating rules that re-armed."""

    fired: list[Firing] = field(default_factory=list)
    rearmed: list[AlertRule] = field(default_factory=list)


def condition_holds(rule: AlertRule, quote: Quote, previous: Quote | None = None) -> bool:
    price = quote.current_price
    cond = rule.condition
    if cond == PRICE_ABOVE:
        return price > rule.value
    if cond == PRICE_BELOW:
        return price < rule.value
    if cond == CHANGE_PCT_ABOVE:
        return quote.prev_close > 0 and quote.change_percent > rule.value
    if cond == CHANGE_PCT_BELOW:
        return quote.prev_close > 0 and quote.change_percent < rule.value
    known = previous if previous is not None else quote
    if cond == WEEK52_HIGH_CROSS:
        return known.week52_high > 0 and price >= known.week52_high
    if cond == WEEK52_LOW_CROSS:
        return known.week52_low > 0 and price <= known.week52_low
    return False


def describe(rule: AlertRule, quote: Quote, is_index: bool = False) -> str:
    """A one-line, human message: "RELIANCE rose above ₹1,600.00 (now ₹1,601.50)"."""

    def money(value: float) -> str:
        return number(value) if is_index else inr(value)

    now = money(quote.current_price)
    change = pct(quote.change_percent)
    sym = rule.symbol
    match rule.condition:
        case "price_above":
            return f"{sym} rose above {money(rule.value)} (now {now})"
        case "price_below":
            return f"{sym} fell below {money(rule.value)} (now {now})"
        case "change_pct_above":
            return f"{sym} day change rose above {pct(rule.value)} (now {change}, {now})"
        case "change_pct_below":
            return f"{sym} day change fell below {pct(rule.value)} (now {change}, {now})"
        case "week52_high_cross":
            return f"{sym} hit a new 52-week high (now {now})"
        case _:
            return f"{sym} hit a new 52-week low (now {now})"


def trigger_level(rule: AlertRule, quote: Quote) -> float | None:
    """The price at which the rule would fire, for "distance to trigger" displays."""
    if rule.condition in PRICE_CONDITIONS:
        return rule.value
    if rule.condition in (CHANGE_PCT_ABOVE, CHANGE_PCT_BELOW):
        return quote.prev_close * (1 + rule.value / 100) if quote.prev_close > 0 else None
    if rule.condition == WEEK52_HIGH_CROSS:
        return quote.week52_high or None
    return quote.week52_low or None


class AlertBook:
    """Active rules indexed by instrument, plus the last quote seen per instrument.

    `is_index` tells how to word money in messages (indices carry no rupee sign).
    """

    def __init__(self, rules: Iterable[AlertRule] = (), is_index=lambda key: False) -> None:
        self._by_key: dict[Key, dict[int, AlertRule]] = {}
        self._last: dict[Key, Quote] = {}
        self._fresh: set[Key] = set()
        self._is_index = is_index
        self.replace(rules)

    def __len__(self) -> int:
        return sum(len(rules) for rules in self._by_key.values())

    def __contains__(self, rule_id: object) -> bool:
        return any(rule_id in rules for rules in self._by_key.values())

    def keys(self) -> set[Key]:
        return set(self._by_key)

    def rules(self) -> list[AlertRule]:
        return [rule for rules in self._by_key.values() for rule in rules.values()]

    def fresh_keys(self) -> set[Key]:
        """Instruments with rules added since the last evaluation (checked even if unchanged)."""
        return set(self._fresh)

    def replace(self, rules: Iterable[AlertRule]) -> None:
        """Swap in a full set of active rules (a reload); new ones are evaluated next tick."""
        old = {rule.id for rule in self.rules()}
        self._by_key = {}
        for rule in rules:
            if rule.active:
                self._by_key.setdefault(rule.key, {})[rule.id] = rule
                if rule.id not in old:
                    self._fresh.add(rule.key)

    def add(self, rule: AlertRule) -> None:
        if rule.active:
            self._by_key.setdefault(rule.key, {})[rule.id] = rule
            self._fresh.add(rule.key)

    def remove(self, rule_id: int) -> AlertRule | None:
        for key, rules in list(self._by_key.items()):
            rule = rules.pop(rule_id, None)
            if rule is not None:
                if not rules:
                    del self._by_key[key]
                return rule
        return None

    def evaluate(self, quotes: Mapping[Key, Quote]) -> Evaluation:
        """Apply one tick's quotes (changed instruments, plus fresh ones) to their rules."""
        out = Evaluation()
        for key, quote in quotes.items():
            rules = self._by_key.get(key)
            previous = self._last.get(key)
            self._last[key] = quote
            if not rules:
                continue
            self._fresh.discard(key)
            for rule in list(rules.values()):
                holds = condition_holds(rule, quote, previous)
                if holds and rule.armed:
                    out.fired.append(Firing(rule, quote.current_price, self._message(rule, quote)))
                    rule.armed = False
                    if not rule.repeat:
                        rule.active = False
                        del rules[rule.id]
                elif not holds and not rule.armed and rule.repeat:
                    rule.armed = True
                    out.rearmed.append(rule)
            if not rules:
                del self._by_key[key]
        return out

    def _message(self, rule: AlertRule, quote: Quote) -> str:
        return describe(rule, quote, bool(self._is_index(rule.key)))
