"""How many test examples an ease.ml/ci condition needs, and how long a test set lasts.

A condition is tested with reliability 1 - delta: the chance that any evaluation of the
test set's life (its ``steps``) gives the wrong answer is at most delta. The wrong answer
each mode guards against is one-sided per clause: in ``fp-free`` mode a false pass, which
needs some clause's estimate to err toward its satisfying side by more than its tolerance;
in ``fn-free`` mode a false fail, an error of the same size the other way. So each clause
takes one tail of Hoeffding's (or Bennett's) inequality, and the union bound runs over the
``m`` clauses and over the evaluations: ``H`` of them when the developer does not adapt to
the answers (``none``) or only learns when the first pass ends the test set's life
(``firstChange``), and ``2**H`` possible sequences of answers when each answer may steer
the next model (``full``). This gives the paper's sample sizes: ``n > 0.8 +/- 0.05`` at
reliability 0.9999 over 32 fully adaptive steps needs 6,279 examples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from mlops_jlab.easeml.ci_conditions import Clause, Condition, parse_condition
from mlops_jlab.errors import InvalidInputError

MODES = ("fp-free", "fn-free")
ADAPTIVITIES = ("full", "none", "firstChange")
OUTCOMES = ("pass", "fail")
# Examples a test set needs grow with log(2**steps) under full adaptivity: a million steps
# would ask for more examples than anyone labels, and is surely a typo.
MAX_STEPS = 1_000_000


@dataclass(frozen=True)
class CiSettings:
    """How a condition is tested: its reliability (1 - delta), which error is ruled out
    (``fp-free``: no false pass; ``fn-free``: no false fail), how the developer adapts to
    the answers (``full``, ``none``, ``firstChange``) and how many evaluations (steps) a
    test set serves."""

    reliability: float = 0.9999
    mode: str = "fp-free"
    adaptivity: str = "full"
    steps: int = 32

    def checked(self) -> CiSettings:
        """These settings, or an :class:`InvalidInputError` saying which one is wrong."""
        reliability = self.reliability
        if (
            isinstance(reliability, bool)
            or not isinstance(reliability, (int, float))
            or not 0 < reliability < 1
        ):
            raise InvalidInputError(
                f"reliability must be a number between 0 and 1 (exclusive), such as 0.9999, "
                f"not {reliability!r}"
            )
        if self.mode not in MODES:
            raise InvalidInputError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.adaptivity not in ADAPTIVITIES:
            raise InvalidInputError(
                f"adaptivity must be one of {', '.join(ADAPTIVITIES)}, not {self.adaptivity!r}"
            )
        steps = self.steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InvalidInputError(f"steps must be a whole number of at least 1, not {steps!r}")
        if steps > MAX_STEPS:
            raise InvalidInputError(f"steps must be at most {MAX_STEPS:,}, not {steps:,}")
        return CiSettings(float(reliability), self.mode, self.adaptivity, steps)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def as_settings(settings: CiSettings | Mapping[str, Any] | None) -> CiSettings:
    """Settings given as :class:`CiSettings`, a mapping of its fields (as stored) or None
    (the defaults), checked."""
    if settings is None:
        return CiSettings().checked()
    if isinstance(settings, CiSettings):
        return settings.checked()
    if isinstance(settings, Mapping):
        known = {f.name for f in fields(CiSettings)}
        unknown = sorted(str(key) for key in settings if key not in known)
        if unknown:
            raise InvalidInputError(
                f"unknown ci setting(s) {', '.join(unknown)}; the settings are "
                f"{', '.join(sorted(known))}"
            )
        return CiSettings(**settings).checked()
    raise InvalidInputError(
        f"settings must be CiSettings or a mapping of its fields, not {type(settings).__name__}"
    )


def log_inverse_delta(condition: Condition, settings: CiSettings) -> float:
    """``ln(1 / delta')``, the per-clause, per-evaluation share of the failure probability
    (in logarithms: ``2**steps`` overflows a float beyond 1,023 steps)."""
    log_evaluations = (
        settings.steps * math.log(2) if settings.adaptivity == "full" else math.log(settings.steps)
    )
    delta = 1 - settings.reliability
    return math.log(len(condition.clauses)) + log_evaluations - math.log(delta)


def hoeffding_examples(value_range: float, tolerance: float, log_inverse: float) -> float:
    """Examples for a mean of values spread over ``value_range`` to stay within ``tolerance``
    on one side with probability ``1 - exp(-log_inverse)`` (Hoeffding's inequality)."""
    return value_range**2 * log_inverse / (2 * tolerance**2)


def bennett_examples(variance: float, bound: float, tolerance: float, log_inverse: float) -> float:
    """The same for values bounded by ``bound`` in absolute value whose second moment is at
    most ``variance``: Bennett's inequality, ``exp(-N v / b**2 * h(b eps / v))`` with
    ``h(u) = (1 + u) ln(1 + u) - u``. The exponent is linear in N, so N is solved exactly."""
    u = bound * tolerance / variance
    h = (1 + u) * math.log1p(u) - u
    return bound**2 * log_inverse / (variance * h)


def disagreement_bound(condition: Condition) -> float | None:
    """The smallest ``p`` a clause ``c * d + k < t`` (or ``<=``) of the condition caps the
    disagreement at, if it is below 1: with it the per-example difference of the two
    models' correctness has a second moment of at most ``p``."""
    caps = [
        (clause.threshold - clause.constant) / clause.coefficients["d"]
        for clause in condition.clauses
        if set(clause.coefficients) == {"d"}
        and clause.coefficients["d"] > 0
        and clause.op in ("<", "<=")
    ]
    caps = [cap for cap in caps if 0 < cap < 1]
    return min(caps) if caps else None


def _difference_scale(clause: Clause) -> float | None:
    """``c`` when the clause's expression is ``c * (n - o)`` (plus a constant), else None."""
    c = clause.coefficients
    if set(c) == {"n", "o"} and c["n"] == -c["o"]:
        return abs(c["n"])
    return None


@dataclass(frozen=True)
class ClauseSize:
    """The examples one clause needs and the inequality that gave them."""

    examples: int
    bound: str  # "hoeffding" or "bennett"


def clause_sizes(
    condition: Condition | str, settings: CiSettings | Mapping | None
) -> list[ClauseSize]:
    """The examples each clause of ``condition`` needs under ``settings``, in order.

    A clause's variables are each in [0, 1], so its expression spreads over the sum of its
    coefficients' absolute values (Hoeffding). A clause on ``c * (n - o)`` in a condition
    that also caps ``d < p`` takes Bennett's inequality when it needs fewer: the models
    disagree on at most a fraction p of the examples, so the per-example difference has a
    second moment of at most ``c**2 * p`` (ease.ml/ci's optimisation for this pattern).
    """
    condition = parse_condition(condition)
    settings = as_settings(settings)
    log_inverse = log_inverse_delta(condition, settings)
    p = disagreement_bound(condition)
    sizes = []
    for clause in condition.clauses:
        spread = sum(abs(c) for c in clause.coefficients.values())
        examples = hoeffding_examples(spread, clause.tolerance, log_inverse)
        bound = "hoeffding"
        scale = _difference_scale(clause)
        if p is not None and scale is not None:
            tighter = bennett_examples(scale**2 * p, scale, clause.tolerance, log_inverse)
            if tighter < examples:
                examples, bound = tighter, "bennett"
        sizes.append(ClauseSize(math.ceil(examples), bound))
    return sizes


def required_examples(condition: Condition | str, settings: CiSettings | Mapping | None) -> int:
    """The labelled test examples ``condition`` needs under ``settings``: the most any of
    its clauses needs (see :func:`clause_sizes`).

    Parameters
    ----------
    condition
        A parsed condition or its text.
    settings
        Reliability, mode, adaptivity and steps.

    Returns
    -------
    int
    """
    return max(size.examples for size in clause_sizes(condition, settings))


@dataclass
class Budget:
    """What is left of a test set's life: each evaluation spends one of its ``steps``;
    under ``firstChange`` adaptivity the first pass spends it all."""

    steps: int
    used: int
    left: int
    exhausted: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def budget(settings: CiSettings | Mapping | None, outcomes: Sequence[str]) -> Budget:
    """The budget of a test set after the evaluations whose decided outcomes (``pass`` or
    ``fail``, oldest first) are ``outcomes``.

    Parameters
    ----------
    settings
        The settings the test set serves (steps and adaptivity).
    outcomes
        The decisions of the evaluations already made on this test set.

    Returns
    -------
    Budget
    """
    settings = as_settings(settings)
    if isinstance(outcomes, str) or not isinstance(outcomes, Sequence):
        raise InvalidInputError(
            "outcomes must be a list of the earlier decisions ('pass' or 'fail'), oldest first"
        )
    for outcome in outcomes:
        if outcome not in OUTCOMES:
            raise InvalidInputError(f"an earlier outcome must be 'pass' or 'fail', not {outcome!r}")
    used = len(outcomes)
    exhausted = used >= settings.steps or (
        settings.adaptivity == "firstChange" and "pass" in outcomes
    )
    left = 0 if exhausted else settings.steps - used
    return Budget(settings.steps, used, left, exhausted)
