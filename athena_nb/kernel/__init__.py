"""Kernels: pexpect-managed Sage and Python processes driven by the reactor.

Tests: tests/unit/test_kernel_*.py and tests/integration/test_kernel*.py. Design: docs/kernels.md.
"""

from .kernel import Kernel
from .limits import KernelLimits
from .pool import KernelPool
from .requests import (
    ExecuteRequest,
    ExecuteResult,
    IllegalTransition,
    KernelBusyError,
    KernelError,
    KernelNotRunningError,
    KernelStartError,
    KernelState,
    KernelTimeoutError,
    StateChange,
)
from .sage import sageAvailable

__all__ = [
    "ExecuteRequest",
    "ExecuteResult",
    "IllegalTransition",
    "Kernel",
    "KernelBusyError",
    "KernelError",
    "KernelLimits",
    "KernelNotRunningError",
    "KernelPool",
    "KernelStartError",
    "KernelState",
    "KernelTimeoutError",
    "StateChange",
    "sageAvailable",
]
