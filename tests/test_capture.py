"""What a tracked cell's code says about itself: its literal params and the names it uses."""

from __future__ import annotations

from mlops_jlab.kernel.capture import _parse, cell_names, literal_params


def test_literal_assignments_are_params_and_computed_values_are_not():
    code = (
        "lr = 0.01\nlayers = [64, 32]\nname: str = 'rf'\nneg = -3\nflag = True\n"
        "a = b = 2\nx = f(1)\nself_lr = lr * 2\nobj.attr = 5\ndata = list(range(1000))\n"
        "big = " + repr(list(range(200))) + "\n"
    )
    assert literal_params(_parse(code)) == {
        "lr": 0.01,
        "layers": [64, 32],
        "name": "rf",
        "neg": -3,
        "flag": True,
        "a": 2,
        "b": 2,
    }


def test_assignments_inside_functions_loops_and_branches_are_not_params():
    code = "def f():\n    lr = 1\nfor i in range(3):\n    k = 2\nif True:\n    z = 3\n"
    assert literal_params(_parse(code)) == {}


def test_a_cell_reads_names_before_it_binds_them():
    # df is read before it is rebound; frame is bound before it is used
    code = "df = df.dropna()\nframe = load()\nframe.plot()\nprint(other)\n"
    read, bound = cell_names(_parse(code))
    assert read == {"df", "load", "print", "other"}
    assert bound == {"df", "frame"}


def test_names_inside_function_bodies_are_not_the_cells():
    code = "def fit(x):\n    return model.fit(x)\nresult = fit(train)\n"
    read, bound = cell_names(_parse(code))
    assert read == {"fit", "train"} and bound == {"result"}


def test_cells_with_top_level_await_parse_and_broken_cells_give_nothing():
    read, bound = cell_names(_parse("import asyncio\nawait asyncio.sleep(0)\nw = 5"))
    assert bound == {"asyncio", "w"} and read == set()
    assert _parse("def (") is None
    assert literal_params(None) == {} and cell_names(None) == (set(), set())
