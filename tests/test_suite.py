"""The test suite runs in a clone with nothing beside it: own fixtures, shared material optional
locally and required in CI."""

from __future__ import annotations

import pytest

import tests.conftest as conftest


def test_the_reports_the_tests_load_are_in_the_repository():
    assert conftest.REPORTS_DIR.is_relative_to(conftest.ROOT)
    names = sorted(p.name for p in conftest.REPORTS_DIR.iterdir() if p.suffix in (".txt", ".html"))
    assert names == ["chengwan-qu-shuiwuju-2017.txt", "jining-kejiju-2018.txt", "qinghe-shi-jiaotongju-2023.txt",
                     "qinghe-shi-jiaotongju-2024.html", "yunling-xian-renmin-zhengfu-2023.txt"]
    bundled = conftest.SAMPLES_DIR / "jining-kejiju-2018.txt"
    assert (conftest.REPORTS_DIR / bundled.name).read_bytes() == bundled.read_bytes()


@pytest.mark.parametrize("env", [{}, {"CI": "false"}, {"GONGKAI_REQUIRE_SERVICES": "0"}])
def test_missing_shared_material_skips_locally(monkeypatch, tmp_path, env):
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    for name in ("CI", "GONGKAI_REQUIRE_SERVICES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(pytest.skip.Exception, match="shared"):
        conftest.require_shared("qa", "dev.jsonl")


@pytest.mark.parametrize("env", [{"CI": "true"}, {"GONGKAI_REQUIRE_SERVICES": "1"}])
def test_missing_shared_material_fails_in_ci(monkeypatch, tmp_path, env):
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    for name in ("CI", "GONGKAI_REQUIRE_SERVICES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        conftest.require_shared("qa", "dev.jsonl")


def test_present_shared_material_is_returned(monkeypatch, tmp_path):
    (tmp_path / "shared" / "qa").mkdir(parents=True)
    (tmp_path / "shared" / "qa" / "dev.jsonl").write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    assert conftest.require_shared("qa", "dev.jsonl") == tmp_path / "shared" / "qa" / "dev.jsonl"
