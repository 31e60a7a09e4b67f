"""ease.ml/ci: the condition language, sample sizes, the test-set budget and evaluations of
real scikit-learn models."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlops_jlab.easeml.ci import (
    CiReport,
    CiSettings,
    ConditionSyntaxError,
    budget,
    check_models,
    evaluate,
    parse_condition,
    required_examples,
)
from mlops_jlab.easeml.ci_bounds import clause_sizes
from mlops_jlab.errors import InvalidInputError, QuerySyntaxError
from mlops_jlab.rules import MAX_CONDITION_LENGTH

PAPER = CiSettings(reliability=0.9999, mode="fp-free", adaptivity="full", steps=32)
# Settings under which a few thousand examples suffice, for evaluations.
LIGHT = CiSettings(reliability=0.99, mode="fp-free", adaptivity="none", steps=4)


# --- the condition language ----------------------------------------------------------------


def test_a_condition_parses_into_clauses_with_coefficients_and_tolerances():
    # Given a condition of two clauses, one with a coefficient and a constant
    condition = parse_condition(r"1.5 * n - o + 0.1 > 0 +/- 0.02 /\ d < 0.1 +/- 0.01")
    # Then each clause keeps its linear expression, comparison, threshold and tolerance
    first, second = condition.clauses
    assert first.coefficients == {"n": 1.5, "o": -1.0}
    assert first.constant == pytest.approx(0.1)
    assert (first.op, first.threshold, first.tolerance) == (">", 0.0, 0.02)
    assert first.text == "1.5 * n - o + 0.1 > 0 +/- 0.02"
    assert second.coefficients == {"d": 1.0} and second.op == "<"
    assert condition.variables == frozenset({"n", "o", "d"})
    assert condition.text == r"1.5 * n - o + 0.1 > 0 +/- 0.02 /\ d < 0.1 +/- 0.01"


def test_a_condition_takes_negative_thresholds_and_the_plus_minus_sign():
    condition = parse_condition("n - o >= -0.01 ± 0.005")
    (clause,) = condition.clauses
    assert (clause.op, clause.threshold, clause.tolerance) == (">=", -0.01, 0.005)


@pytest.mark.parametrize(
    ("text", "token", "column", "says"),
    [
        ("x > 0.1 +/- 0.01", "x", 1, "unknown variable 'x'"),
        ("n - x > 0.1 +/- 0.01", "x", 5, "unknown variable 'x'"),
        ("n > 0.8", "", 8, "missing tolerance"),
        ("n > 0.8 0.05", "0.05", 9, "missing tolerance"),
        ("n > 0.8 +/- 0", "0", 13, "tolerance must be positive"),
        ("n > 0.8 +/- -0.05", "-", 13, "tolerance must be positive"),
        ("n > 0.8 +/- 0.05 $", "$", 18, "unexpected character"),
        ("n >> 0.8 +/- 0.05", ">", 4, "expected a threshold"),
        ("0.5 > 0.1 +/- 0.01", "0.5", 1, "has no variable"),
        ("n - n > 0.1 +/- 0.01", "n", 1, "has no variable"),
        ("n > o +/- 0.01", "o", 5, "move the variables to its left"),
        ("n > 0.8 +/- 0.05 d < 0.1 +/- 0.01", "d", 18, r"expected /\ between clauses"),
        ("n 0.8 +/- 0.05", "0.8", 3, "expected a comparison"),
    ],
)
def test_a_bad_condition_names_the_offending_token_and_its_column(text, token, column, says):
    # Given a condition with a mistake, when it is parsed
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(text)
    # Then the error says what is wrong, which token and at which column (from 1)
    error = caught.value
    assert says in str(error)
    assert (error.token, error.column) == (token, column)
    assert f"column {column}" in str(error)
    # And it is an input error, which the REST layer answers with a 400 naming the token
    assert isinstance(error, InvalidInputError) and isinstance(error, QuerySyntaxError)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_condition_is_refused(text):
    with pytest.raises(ConditionSyntaxError, match="the condition is empty"):
        parse_condition(text)


def test_a_condition_that_is_not_text_is_refused():
    with pytest.raises(InvalidInputError, match="a condition is text"):
        parse_condition(42)


def test_a_condition_longer_than_the_limit_is_refused():
    text = r" /\ ".join(["n > 0.8 +/- 0.05"] * 200)
    with pytest.raises(InvalidInputError, match=f"at most {MAX_CONDITION_LENGTH}"):
        parse_condition(text)


# --- settings and sample sizes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (CiSettings(reliability=1.0), "reliability must be a number between 0 and 1"),
        (CiSettings(reliability=0), "reliability must be a number between 0 and 1"),
        (CiSettings(reliability="high"), "reliability must be a number between 0 and 1"),
        (CiSettings(mode="strict"), "mode must be one of fp-free, fn-free"),
        (CiSettings(adaptivity="some"), "adaptivity must be one of full, none, firstChange"),
        (CiSettings(steps=0), "steps must be a whole number of at least 1"),
        (CiSettings(steps=2.5), "steps must be a whole number of at least 1"),
    ],
)
def test_settings_out_of_range_are_refused_saying_which(settings, says):
    with pytest.raises(InvalidInputError, match=says):
        settings.checked()


def test_the_papers_sample_sizes_for_one_accuracy_clause():
    # Given n > 0.8 at reliability 0.9999 over 32 fully adaptive steps (the paper's example)
    # When the examples it needs are computed, then they are the paper's Hoeffding sizes
    assert abs(required_examples("n > 0.8 +/- 0.05", PAPER) - 6279) <= 1
    assert abs(required_examples("n > 0.8 +/- 0.01", PAPER) - 156_955) <= 1


def test_sizes_follow_the_union_bound_over_steps_clauses_and_the_expressions_range():
    one = required_examples("n > 0.8 +/- 0.05", PAPER)
    # Non-adaptive steps and firstChange need fewer than fully adaptive ones, and alike
    none = required_examples("n > 0.8 +/- 0.05", CiSettings(adaptivity="none"))
    first = required_examples("n > 0.8 +/- 0.05", CiSettings(adaptivity="firstChange"))
    assert none == first == math.ceil(math.log(32 / 1e-4) / (2 * 0.05**2))
    assert none < one / 2
    # A second clause shares the failure probability: each clause needs a little more
    both = required_examples(r"n > 0.8 +/- 0.05 /\ o > 0.7 +/- 0.05", PAPER)
    assert both == math.ceil(math.log(2 * 2**32 / 1e-4) / (2 * 0.05**2))
    # n - o spreads over [-1, 1]: four times the examples of n alone
    difference = required_examples("n - o > 0.02 +/- 0.05", PAPER)
    assert abs(difference - 4 * 6278.21) <= 1
    # A lower reliability needs fewer
    assert required_examples("n > 0.8 +/- 0.05", CiSettings(reliability=0.99)) < one


def test_a_disagreement_cap_makes_bennetts_bound_far_tighter_for_a_difference():
    # Given the paper's condition: a new model better by 2 points, disagreeing on < 10%
    condition = r"n - o > 0.02 +/- 0.01 /\ d < 0.1 +/- 0.01"
    # When its sizes are computed
    difference, disagreement = clause_sizes(condition, PAPER)
    hoeffding = math.ceil(2**2 * math.log(2 * 2**32 / 1e-4) / (2 * 0.01**2))
    # Then the difference takes Bennett's bound with variance at most 0.1, about 10x fewer
    u = 0.01 / 0.1
    bennett = math.log(2 * 2**32 / 1e-4) / (0.1 * ((1 + u) * math.log(1 + u) - u))
    assert difference.bound == "bennett"
    assert abs(difference.examples - bennett) <= 1
    assert difference.examples < hoeffding / 9
    # And the whole condition needs what its disagreement clause needs: 4x fewer than
    # Hoeffding for the difference (the paper's 67K for the difference; d needs no labels)
    assert disagreement.bound == "hoeffding"
    assert required_examples(condition, PAPER) == disagreement.examples < hoeffding / 3.9
    # Without the cap the difference keeps Hoeffding's bound
    (alone,) = clause_sizes("n - o > 0.02 +/- 0.01", PAPER)
    assert alone.bound == "hoeffding"


# --- the test set's budget ------------------------------------------------------------------


def test_a_test_set_serves_its_steps_then_is_used_up():
    settings = CiSettings(adaptivity="full", steps=3)
    assert budget(settings, []) == budget(settings, ()) and not budget(settings, []).exhausted
    after_two = budget(settings, ["fail", "pass"])
    assert (after_two.used, after_two.left, after_two.exhausted) == (2, 1, False)
    used_up = budget(settings, ["fail", "pass", "fail"])
    assert (used_up.used, used_up.left, used_up.exhausted) == (3, 0, True)
    assert budget(CiSettings(adaptivity="none", steps=1), ["pass"]).exhausted


def test_under_first_change_the_first_pass_uses_the_test_set_up():
    settings = CiSettings(adaptivity="firstChange", steps=8)
    assert not budget(settings, ["fail", "fail"]).exhausted
    after_pass = budget(settings, ["fail", "pass"])
    assert after_pass.exhausted and after_pass.left == 0 and after_pass.used == 2


def test_earlier_outcomes_must_be_decided():
    with pytest.raises(InvalidInputError, match="'pass' or 'fail', not 'unknown'"):
        budget(PAPER, ["pass", "unknown"])
    with pytest.raises(InvalidInputError, match="list of the earlier decisions"):
        budget(PAPER, "pass")


# --- evaluation -----------------------------------------------------------------------------


def _predictions(count: int, accuracy: float, labels: np.ndarray, offset: int = 0):
    """Predictions right on exactly ``accuracy`` of the examples: wrong on a block of them."""
    wrong = round(count * (1 - accuracy))
    predicted = labels.copy()
    predicted[offset : offset + wrong] = 1 - predicted[offset : offset + wrong]
    return predicted


@pytest.fixture
def labels():
    return np.random.default_rng(1).integers(0, 2, 8000)


@pytest.mark.parametrize(
    ("accuracy", "outcome", "fp_free", "fn_free"),
    [
        (0.90, "pass", "pass", "pass"),  # [0.85, 0.95] above 0.8
        (0.70, "fail", "fail", "fail"),  # [0.65, 0.75] below
        (0.82, "unknown", "fail", "pass"),  # [0.77, 0.87] straddles 0.8
    ],
)
def test_an_evaluation_is_three_valued_and_the_mode_decides_the_unknown(
    labels, accuracy, outcome, fp_free, fn_free
):
    # Given a new model of a known accuracy on 8,000 labelled examples
    new = _predictions(len(labels), accuracy, labels)
    for mode, decision in (("fp-free", fp_free), ("fn-free", fn_free)):
        # When n > 0.8 +/- 0.05 is tested in each mode
        report = evaluate("n > 0.8 +/- 0.05", CiSettings(mode=mode, adaptivity="none"), labels, new)
        # Then the raw outcome is three-valued and the mode decides an unknown one
        assert (report.outcome, report.decision) == (outcome, decision)
        (clause,) = report.clauses
        assert clause["estimate"] == pytest.approx(accuracy)
        assert clause["low"] == pytest.approx(accuracy - 0.05)
        assert clause["high"] == pytest.approx(accuracy + 0.05)
        assert clause["outcome"] == outcome
        assert report.estimates == {"n": pytest.approx(accuracy)}


def test_a_condition_over_both_models_estimates_n_o_and_d(labels):
    # Given a new model right on 95%, an old one on 85%, wrong on overlapping blocks
    new = _predictions(len(labels), 0.95, labels)
    old = _predictions(len(labels), 0.85, labels)
    # When the paper's condition is tested (with lighter settings)
    report = evaluate(
        r"n - o > 0.02 +/- 0.05 /\ d < 0.2 +/- 0.05", LIGHT, labels, new, old, outcomes=["fail"]
    )
    # Then the estimates are the accuracies and the disagreement, and both clauses pass
    assert report.estimates == {
        "n": pytest.approx(0.95),
        "o": pytest.approx(0.85),
        "d": pytest.approx(0.10),
    }
    assert [clause["outcome"] for clause in report.clauses] == ["pass", "pass"]
    assert report.outcome == report.decision == "pass"
    # And the report says what the test set served and has left, counting this evaluation
    assert report.examples_used == 8000
    assert report.examples_needed == required_examples(report.condition, LIGHT)
    assert (report.budget.used, report.budget.left) == (2, 2)
    assert report.settings == {
        "reliability": 0.99,
        "mode": "fp-free",
        "adaptivity": "none",
        "steps": 4,
    }
    # And it is JSON as the registry stores it
    assert json.loads(json.dumps(report.to_dict()))["budget"]["left"] == 2


def test_one_failing_clause_fails_the_condition_though_another_is_unknown(labels):
    new = _predictions(len(labels), 0.95, labels)
    old = _predictions(len(labels), 0.60, labels)
    # n - o = 0.35 in [0.30, 0.40] straddles 0.33; d = 0.35 in [0.30, 0.40] is above 0.2
    report = evaluate(r"n - o > 0.33 +/- 0.05 /\ d < 0.2 +/- 0.05", LIGHT, labels, new, old)
    assert [clause["outcome"] for clause in report.clauses] == ["unknown", "fail"]
    assert report.outcome == report.decision == "fail"


def test_a_test_set_too_small_is_refused_saying_how_many_it_needs(labels):
    # Given the paper's settings, which need 6,279 examples for n > 0.8 +/- 0.05
    new = _predictions(len(labels), 0.9, labels)
    # When 5,000 examples are given, then the evaluation is refused naming both numbers
    with pytest.raises(InvalidInputError, match=r"has 5,000 examples .* needs 6,279"):
        evaluate("n > 0.8 +/- 0.05", PAPER, labels[:5000], new[:5000])


def test_a_used_up_test_set_is_refused_asking_for_a_fresh_one(labels):
    new = _predictions(len(labels), 0.9, labels)
    with pytest.raises(InvalidInputError, match="the test set is used up: register a fresh"):
        evaluate("n > 0.8 +/- 0.05", LIGHT, labels, new, outcomes=["fail"] * 4)
    first_change = CiSettings(reliability=0.99, adaptivity="firstChange", steps=4)
    with pytest.raises(InvalidInputError, match="role 'test'"):
        evaluate("n > 0.8 +/- 0.05", first_change, labels, new, outcomes=["pass"])


@pytest.mark.parametrize("condition", ["n - o > 0 +/- 0.05", "d < 0.1 +/- 0.05"])
def test_a_condition_on_the_old_model_needs_its_predictions(labels, condition):
    with pytest.raises(InvalidInputError, match="give the old model's predictions"):
        evaluate(condition, LIGHT, labels, labels)


def test_predictions_of_another_length_or_labels_with_nulls_are_refused(labels):
    with pytest.raises(InvalidInputError, match="hold 7,999 values for 8,000 labels"):
        evaluate("n > 0.8 +/- 0.05", LIGHT, labels, labels[:-1])
    with_nulls = labels.astype(float)
    with_nulls[3] = np.nan
    with pytest.raises(InvalidInputError, match="the labels hold nulls"):
        evaluate("n > 0.8 +/- 0.05", LIGHT, with_nulls, labels)


def test_text_labels_compare_as_text(labels):
    text = np.where(labels == 1, "spam", "ham").astype(object)
    report = evaluate("n > 0.8 +/- 0.05", LIGHT, text, text.copy())
    assert report.estimates["n"] == 1.0 and report.decision == "pass"
    # Predictions of another type than the labels are wrong, not an error
    assert evaluate("n > 0.8 +/- 0.05", LIGHT, text, labels).estimates["n"] == 0.0


# --- real models ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames():
    """A training and a 6,000-row test frame where a logistic regression reaches ~0.9."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(10_000, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.4, size=len(x)) > 0).astype(int)
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=y)
    return frame.iloc[:4000], frame.iloc[4000:].reset_index(drop=True)


@pytest.fixture(scope="module")
def models(frames):
    train, _ = frames
    features, target = train[["a", "b", "c"]], train["label"]
    good = LogisticRegression().fit(features, target)
    constant = DummyClassifier(strategy="most_frequent").fit(features, target)
    return good, constant


def test_a_better_model_passes_against_a_constant_one(frames, models):
    # Given a logistic regression and the constant model it replaces
    _, test = frames
    good, constant = models
    # When the new one must beat the old by 2 points
    report = check_models("n - o > 0.02 +/- 0.05", LIGHT, good, constant, test, "label")
    # Then it passes, with both accuracies estimated and prediction timed apart
    assert report.outcome == report.decision == "pass"
    assert report.estimates["n"] > 0.85 and report.estimates["o"] < 0.6
    assert report.error is None
    assert report.prediction_seconds > 0 and report.check_seconds > 0
    # And the other way round it fails
    worse = check_models("n - o > 0.02 +/- 0.05", LIGHT, constant, good, test, "label")
    assert worse.outcome == worse.decision == "fail"


def test_a_condition_on_n_alone_needs_no_old_model(frames, models):
    _, test = frames
    good, _ = models
    report = check_models("n > 0.8 +/- 0.05", LIGHT, good, None, test, "label", ["a", "b", "c"])
    assert report.decision == "pass" and set(report.estimates) == {"n"}


def test_a_model_that_raises_fails_the_check_with_its_error_and_spends_nothing(frames, models):
    # Given a new model whose predict raises
    _, test = frames
    good, _ = models

    class Broken:
        def predict(self, frame):
            raise RuntimeError("weights not loaded")

    # When it is checked, then the report fails it with the error, and spends no step
    report = check_models("n - o > 0 +/- 0.05", LIGHT, Broken(), good, test, "label")
    assert isinstance(report, CiReport)
    assert (report.outcome, report.decision) == ("fail", "fail")
    assert report.error == "RuntimeError: weights not loaded"
    assert report.failed_model == "new"
    assert report.budget.used == 0 and report.clauses == []
    json.dumps(report.to_dict())


def test_a_model_returning_the_wrong_number_of_predictions_fails_the_check(frames, models):
    _, test = frames
    good, _ = models

    class Short:
        def predict(self, frame):
            return np.zeros(10)

    report = check_models("n - o > 0 +/- 0.05", LIGHT, good, Short(), test, "label")
    assert report.decision == "fail" and report.failed_model == "old"
    assert report.error == "ValueError: predict returned 10 predictions for 6,000 rows"


def test_a_frame_without_the_target_or_the_features_is_refused_naming_them(frames, models):
    _, test = frames
    good, _ = models
    with pytest.raises(InvalidInputError, match="no target column 'y'"):
        check_models("n > 0.8 +/- 0.05", LIGHT, good, None, test, "y")
    with pytest.raises(InvalidInputError, match=r"lacks the feature column.* e, f"):
        check_models("n > 0.8 +/- 0.05", LIGHT, good, None, test, "label", ["a", "e", "f"])
    with pytest.raises(InvalidInputError, match="must be a pandas DataFrame"):
        check_models("n > 0.8 +/- 0.05", LIGHT, good, None, test.to_numpy(), "label")


def test_labels_with_nulls_are_refused_before_any_model_predicts(frames, models):
    _, test = frames
    good, _ = models
    with_null = test.astype({"label": "Int64"})
    with_null.loc[5, "label"] = pd.NA

    class Watched:
        called = False

        def predict(self, frame):
            Watched.called = True
            return good.predict(frame)

    with pytest.raises(InvalidInputError, match="target column 'label' holds nulls"):
        check_models("n > 0.8 +/- 0.05", LIGHT, Watched(), None, with_null, "label")
    assert not Watched.called


def test_settings_may_be_given_as_stored_mapping(frames, models):
    _, test = frames
    good, constant = models
    stored = {"reliability": 0.99, "mode": "fn-free", "adaptivity": "none", "steps": 4}
    report = check_models("n - o > 0.02 +/- 0.05", stored, good, constant, test, "label")
    assert report.settings == stored and report.decision == "pass"
    with pytest.raises(InvalidInputError, match="unknown ci setting"):
        check_models("n > 0.8 +/- 0.05", {"delta": 0.1}, good, None, test, "label")
