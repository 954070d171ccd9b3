namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// A worker died, stopped answering, broke the protocol or failed a job: an environment problem, reported with
/// the worker's id and what happened (exit code 4), never as an internal error.
/// </summary>
internal sealed class WorkerFailedException : Exception
{
    public WorkerFailedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
