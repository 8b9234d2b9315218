import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from workbench import viz  # noqa: E402


def test_format_spans_highlights_and_escapes():
    text = "<script>alert(1)</script> BRCA1 & breast cancer"
    html = viz.format_spans(text, [(26, 31, "Gene"), {"start": 34, "end": 47, "label": "Disease", "score": 0.9}])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert html.count("<mark") == 2
    assert ">BRCA1<span" in html and "Disease 0.90" in html
    assert viz.KNOWN_COLORS["Gene"] in html


def test_format_spans_overlaps_and_bounds():
    html = viz.format_spans("breast cancer", [(0, 13, "Disease"), (7, 13, "Disease")])
    assert html.count("<mark") == 1
    with pytest.raises(ValueError, match="outside the text"):
        viz.format_spans("abc", [(1, 10, "X")])


def test_label_colors_are_stable_and_distinct():
    a = viz.label_colors(["Zeta", "Alpha", "Gene"])
    assert a == viz.label_colors(["Gene", "Alpha", "Zeta"])
    assert len(set(a.values())) == 3


def test_plots_draw():
    log = [{"epoch": 1, "loss": 1.0}, {"epoch": 1, "eval_f1": 0.4}, {"epoch": 2, "loss": 0.5}, {"epoch": 2, "eval_f1": 0.7}]
    ax = viz.plot_training_curve(log)
    assert len(ax.lines) == 1 and ax.get_xlabel() == "epoch"
    ax = viz.plot_confusion_matrix([[5, 1], [2, 7]], ["neg", "pos"])
    assert [t.get_text() for t in ax.texts] == ["5", "1", "2", "7"]
    with pytest.raises(ValueError, match="does not match"):
        viz.plot_confusion_matrix([[1]], ["a", "b"])
