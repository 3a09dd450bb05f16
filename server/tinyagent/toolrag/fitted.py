"""Fitting the linear tool scorers out of the server's process, once per set of inputs.

scikit-learn fits them (toolrag/fitting.py) in a child ``python -m tinyagent.toolrag.fitting``: the
server never imports it, which keeps ~90 MB out of its resident memory (scikit-learn and SciPy's
sparse matrices, for fits that take ~2 s). The job and the fitted model travel as files
(toolrag/fitjob.py); the model is kept under the ToolRAG cache dir, keyed by a digest of the job,
so a later start with the same bank and tools loads it instead of fitting again.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tinyagent.toolrag.fitjob import FitJob, load_model, save_job, save_model
from tinyagent.toolrag.linear import LinearProbe

logger = logging.getLogger(__name__)
_DEADLINE_S = 600  # a fit takes ~2 s; this only stops a child that hangs


def fitted(job: FitJob, cache_dir: Path | None) -> LinearProbe:
    """The job's model: from the cache when this job was fitted before, else fitted in a child."""
    prefix = cache_dir / f"probe-{job.digest()}" if cache_dir is not None else None
    if prefix is not None:
        try:
            return load_model(prefix)
        except FileNotFoundError:
            pass
        except Exception as exc:  # any damage means "fit again": the cache is only an optimisation
            logger.warning("fitted model %s is unusable (%s); fitting it again", prefix, exc)
    try:
        model = _fit_in_child(job)
    except OSError as exc:  # no interpreter to start (a frozen build): fit here, at the price in memory
        logger.warning("could not fit the ToolRAG scorers in a child process (%s); fitting them in this one", exc)
        from tinyagent.toolrag.fitting import fit

        model = fit(job)
    if prefix is not None:
        _keep(model, prefix)
    return model


def _fit_in_child(job: FitJob) -> LinearProbe:
    with tempfile.TemporaryDirectory(prefix="tinyagent-fit-") as work:
        folder = Path(work)
        save_job(job, folder)
        _run_child(folder)
        return load_model(folder / "model")


def _keep(model: LinearProbe, prefix: Path) -> None:
    try:
        prefix.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, prefix)
    except OSError as exc:
        logger.warning("could not cache the fitted model in %s: %s", prefix.parent, exc)


def _run_child(folder: Path) -> None:
    command = [sys.executable, "-m", "tinyagent.toolrag.fitting", str(folder)]
    # The child imports this very package, wherever it was imported from here.
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    env = os.environ | {"PYTHONPATH": path}
    done = subprocess.run(command, capture_output=True, text=True, timeout=_DEADLINE_S, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"fitting the ToolRAG tool scorers failed ({done.returncode}): {done.stderr[-2000:]}")
