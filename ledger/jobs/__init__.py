"""Where checks run when a caller does not wait for them: in this process, or on a queue served by workers.

:func:`executor_for` picks the executor from the settings: with ``queue_url`` unset (the
embedded default) an :class:`~ledger.jobs.in_process.InProcessExecutor`; with it set a
:class:`~ledger.jobs.queue.QueueExecutor` that puts each job on RabbitMQ for ``clearance worker``.
A job's state is the clip's state in the log (submitted, then decided or failed), so the job
route reads it from the database whatever ran the job.
"""

from ledger.jobs.executor import Executor, executor_for

__all__ = ["Executor", "executor_for"]
