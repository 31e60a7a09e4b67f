"""The condition language of ease.ml/ci: linear clauses over ``n``, ``o`` and ``d`` with a
tolerance, joined by ``/\\``, such as ``n - o > 0.02 +/- 0.01 /\\ d < 0.1 +/- 0.01``.

The grammar is a handful of rules, so it is parsed by a small hand-written tokenizer and
recursive-descent parser: a parser generator would be a dependency for twenty lines, and a
hand-written one says exactly which token at which column is wrong.

::

    condition := clause ("/\\" clause)*
    clause    := expr (">" | ">=" | "<" | "<=") ["+" | "-"] NUMBER "+/-" NUMBER
    expr      := ["+" | "-"] term (("+" | "-") term)*
    term      := NUMBER ["*"] VAR | VAR ["*" NUMBER] | NUMBER
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlops_jlab.errors import ConditionSyntaxError, InvalidInputError
from mlops_jlab.rules import MAX_CONDITION_LENGTH

# What each variable means, in the order they are reported.
VARIABLES = {
    "n": "the new model's accuracy",
    "o": "the old model's accuracy",
    "d": "the fraction of examples where the new and old models disagree",
}
COMPARISONS = (">", ">=", "<", "<=")
_EXAMPLE = "n - o > 0.02 +/- 0.01"

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op>\+/-|±|/\\|>=|<=|[-+*<>])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op or end
    text: str
    start: int  # from 0


@dataclass(frozen=True)
class Clause:
    """One clause: ``sum(coefficients[v] * v) + constant  op  threshold +/- tolerance``."""

    coefficients: dict[str, float]
    constant: float
    op: str
    threshold: float
    tolerance: float
    text: str

    def value(self, estimates: dict[str, float]) -> float:
        """The clause's linear expression at the given estimates of its variables."""
        return self.constant + sum(c * estimates[v] for v, c in self.coefficients.items())

    def holds(self, value: float) -> bool:
        """Whether ``value op threshold``."""
        if self.op == ">":
            return value > self.threshold
        if self.op == ">=":
            return value >= self.threshold
        if self.op == "<":
            return value < self.threshold
        return value <= self.threshold


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its clauses (all must hold), its text and the variables it uses."""

    clauses: tuple[Clause, ...]
    text: str
    variables: frozenset[str] = field(default_factory=frozenset)


def _fail(message: str, token: Token) -> ConditionSyntaxError:
    where = (
        f"at column {token.start + 1} (the end of the condition)"
        if token.kind == "end"
        else f"at column {token.start + 1}: '{token.text}'"
    )
    return ConditionSyntaxError(f"{message} {where}", token.start, token.text)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` and an ``end`` token; a character no token starts with is a
    :class:`ConditionSyntaxError`."""
    tokens = []
    at = 0
    while at < len(text):
        match = _TOKEN_RE.match(text, at)
        if match is None:
            raise _fail(
                "unexpected character: a condition holds n, o, d, numbers, + - *, "
                "a comparison, +/- and /\\",
                Token("op", text[at], at),
            )
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), at))
        at = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def condition(self) -> Condition:
        clauses = [self.clause()]
        while self.is_op("/\\"):
            self.take()
            clauses.append(self.clause())
        if self.token.kind != "end":
            raise _fail("expected /\\ between clauses", self.token)
        used = frozenset(v for clause in clauses for v in clause.coefficients)
        return Condition(tuple(clauses), self.text.strip(), used)

    def clause(self) -> Clause:
        first = self.token
        coefficients, constant = self.expression()
        if not self.is_op(*COMPARISONS):
            raise _fail("expected a comparison (>, >=, < or <=) after the expression", self.token)
        op = self.take().text
        if self.token.kind == "name":
            raise _fail(
                "the right of a comparison is a number: move the variables to its left "
                f"(e.g. {_EXAMPLE})",
                self.token,
            )
        threshold = self.signed_number("expected a threshold (a number) after the comparison")
        if not self.is_op("+/-", "±"):
            raise _fail(
                f"missing tolerance: write +/- and a number after the threshold (e.g. {_EXAMPLE})",
                self.token,
            )
        self.take()
        tolerance_token = self.token
        tolerance = self.signed_number("expected a tolerance (a number) after +/-")
        if not tolerance > 0:
            raise _fail(f"the tolerance must be positive (it is {tolerance:g})", tolerance_token)
        text = self.text[first.start : self.token.start].strip()
        if not coefficients:
            raise _fail(
                "the clause has no variable: use n (new accuracy), o (old accuracy) or "
                "d (disagreement)",
                first,
            )
        return Clause(coefficients, constant, op, threshold, tolerance, text)

    def signed_number(self, expected: str) -> float:
        sign = 1.0
        if self.is_op("+", "-"):
            sign = -1.0 if self.take().text == "-" else 1.0
        if self.token.kind != "number":
            raise _fail(expected, self.token)
        return sign * float(self.take().text)

    def expression(self) -> tuple[dict[str, float], float]:
        totals: dict[str, float] = {}
        constant = 0.0
        sign = 1.0
        if self.is_op("+", "-"):
            sign = -1.0 if self.take().text == "-" else 1.0
        while True:
            coefficient, variable = self.term()
            if variable is None:
                constant += sign * coefficient
            else:
                totals[variable] = totals.get(variable, 0.0) + sign * coefficient
            if not self.is_op("+", "-"):
                break
            sign = -1.0 if self.take().text == "-" else 1.0
        # In the order n, o, d; a variable whose terms cancel out is not used.
        coefficients = {v: totals[v] for v in VARIABLES if totals.get(v, 0.0) != 0.0}
        return coefficients, constant

    def term(self) -> tuple[float, str | None]:
        if self.token.kind == "number":
            coefficient = float(self.take().text)
            if self.is_op("*"):
                self.take()
                return coefficient, self.variable(required=True)
            return coefficient, self.variable(required=False)
        if self.token.kind == "name":
            variable = self.variable(required=True)
            if self.is_op("*"):
                self.take()
                if self.token.kind != "number":
                    raise _fail("expected a number after *", self.token)
                return float(self.take().text), variable
            return 1.0, variable
        raise _fail("expected a variable (n, o or d) or a number", self.token)

    def variable(self, required: bool) -> str | None:
        token = self.token
        if token.kind != "name":
            if required:
                raise _fail("expected a variable (n, o or d)", token)
            return None
        if token.text not in VARIABLES:
            raise _fail(
                f"unknown variable '{token.text}': use n (new accuracy), o (old accuracy) "
                "or d (disagreement)",
                token,
            )
        self.take()
        return token.text


def parse_condition(text: str) -> Condition:
    """Parse an ease.ml/ci condition.

    Parameters
    ----------
    text
        Clauses joined by ``/\\``, each a linear expression over ``n`` (the new model's
        accuracy), ``o`` (the old model's) and ``d`` (the fraction of examples where they
        disagree), a comparison, a threshold and a tolerance: ``n - o > 0.02 +/- 0.01``,
        ``1.5 * n - o > 0 +/- 0.02 /\\ d < 0.1 +/- 0.01``.

    Returns
    -------
    Condition

    Raises
    ------
    ConditionSyntaxError
        Naming the offending token and its column (from 1).
    """
    if isinstance(text, Condition):
        return text
    if not isinstance(text, str):
        raise InvalidInputError(
            f"a condition is text such as '{_EXAMPLE}', not {type(text).__name__}"
        )
    if len(text) > MAX_CONDITION_LENGTH:
        raise InvalidInputError(
            f"the condition is {len(text)} characters long; at most {MAX_CONDITION_LENGTH} "
            "are allowed"
        )
    if not text.strip():
        raise ConditionSyntaxError(
            f"the condition is empty: write one such as '{_EXAMPLE}'", 0, text
        )
    return _Parser(text).condition()
