import pathlib
import runpy
import sys

BENCHMARK = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "letters.py"


def test_the_benchmark_runs_and_reports_its_figures(tmp_path, monkeypatch, capsys):
    out = tmp_path / "mailing.pdf"
    monkeypatch.setattr(sys, "argv", [str(BENCHMARK), "--letters", "30", "--individual", "--out", str(out)])
    runpy.run_path(str(BENCHMARK), run_name="__main__")
    report = capsys.readouterr().out
    assert "letters: 30  pages: 30" in report
    for figure in ("pages/s:", "cpu seconds:", "peak memory (ru_maxrss):", "file:"):
        assert figure in report
    assert out.read_bytes().startswith(b"%PDF-")
