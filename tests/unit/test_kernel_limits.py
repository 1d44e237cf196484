"""Kernel limits and the Sage check (athena_nb.kernel.limits, athena_nb.kernel.sage)."""

import sys

import pytest

from athena_nb.kernel import KernelLimits, sageAvailable


def test_defaults_limit_memory_with_rlimit_data_and_leave_cpu_free():
    limits = KernelLimits()
    assert limits.memoryBytes == 4 << 30
    assert limits.workerLimits() == {"cpuSeconds": None, "memoryBytes": 4 << 30,
                                     "outputChars": 1_000_000, "processes": 1024,
                                     "fileBytes": None}
    assert KernelLimits(fileBytes=1 << 20).workerLimits()["fileBytes"] == 1 << 20


@pytest.mark.parametrize("field", ["cpuSeconds", "memoryBytes", "wallSeconds", "outputChars",
                                   "idleSeconds", "fileBytes"])
def test_a_limit_is_positive_or_none(field):
    assert getattr(KernelLimits(**{field: None}), field) is None
    with pytest.raises(ValueError, match="KernelLimits.%s must be positive or None" % field):
        KernelLimits(**{field: 0})


def test_grace_periods_must_be_positive():
    with pytest.raises(ValueError, match="interruptGraceSeconds must be positive"):
        KernelLimits(interruptGraceSeconds=0)


def test_sage_check_answers_for_our_interpreter_only():
    assert sageAvailable() in (True, False)
    assert sageAvailable(sys.executable) == sageAvailable()
    assert sageAvailable("/some/other/python") is None
