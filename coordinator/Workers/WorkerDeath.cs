namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// One worker's death and the jobs it held when it died (its suspects). When one of them turns out to kill every
/// worker it meets and fails alone, the death is explained and does not count against the run's restart budget;
/// when all of them succeed elsewhere, it counts. Guarded by the supervisor's lock.
/// </summary>
internal sealed class WorkerDeath(uint workerId, string reason)
{
    public uint WorkerId { get; } = workerId;

    /// <summary>What happened, for the message if this death is the one that spends the budget.</summary>
    public string Reason { get; } = reason;

    public List<WorkerJob> Suspects { get; } = [];

    /// <summary>Counted against the run's budget.</summary>
    public bool Charged { get; set; }

    /// <summary>A suspect failed alone: the death was the job's doing.</summary>
    public bool Explained { get; set; }
}
