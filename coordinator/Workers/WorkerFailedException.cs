namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Workers cannot do the run's work: the executable is missing, workers die faster than the restart budget
/// allows, a worker broke the protocol, or the region cannot be mapped. An environment problem (exit code 4),
/// reported with the worker's id and what happened, never as an internal error.
/// </summary>
internal sealed class WorkerFailedException : Exception
{
    public WorkerFailedException(string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = message;
    }

    /// <summary>About one worker: the message is "worker ID REASON".</summary>
    public WorkerFailedException(uint workerId, string reason, Exception? inner = null)
        : base($"worker {workerId} {reason}", inner)
    {
        WorkerId = workerId;
        Reason = reason;
    }

    /// <summary>The worker it is about, when it is about one.</summary>
    public uint? WorkerId { get; }

    /// <summary>What happened, without the worker's name (for lines already tagged with it).</summary>
    public string Reason { get; }
}
