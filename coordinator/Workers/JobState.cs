namespace ProcessFarm.Coordinator.Workers;

/// <summary>Where a job is in the supervisor.</summary>
internal enum JobState
{
    /// <summary>Not submitted yet.</summary>
    New,

    /// <summary>In the queue, waiting for a worker.</summary>
    Queued,

    /// <summary>Sent (or being sent) to a worker, which holds it.</summary>
    Assigned,

    /// <summary>Answered, failed or withdrawn: the supervisor will not touch it again.</summary>
    Settled,
}
