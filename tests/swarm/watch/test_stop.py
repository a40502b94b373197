"""SIGINT/SIGTERM ask for a stop; a second one abandons a pass; forked workers still die."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from swarm.watch.stop import StopSignals


def _sleep() -> None:
    time.sleep(30)


def test_a_signal_asks_for_a_stop_and_the_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with StopSignals() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested
        os.kill(os.getpid(), signal.SIGINT)  # outside a pass: counted, nothing raised
        assert stop.count == 2
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_second_signal_abandons_the_pass(capfd) -> None:
    with StopSignals() as stop, stop.abandonable():
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs at once; this is never reached
    err = capfd.readouterr().err
    assert "stopping after the pass under way" in err
    assert "abandoning the pass" in err


def test_a_forked_worker_still_ends_on_sigterm() -> None:
    """luigi's workers are forked while the handlers are installed: terminate() must work."""
    with StopSignals() as stop:
        child = multiprocessing.get_context("fork").Process(target=_sleep)
        child.start()
        try:
            time.sleep(0.2)
            child.terminate()
            child.join(timeout=10)
            assert child.exitcode == -signal.SIGTERM
        finally:
            if child.is_alive():
                child.kill()
        assert not stop.requested  # the child's signal was its own
