namespace ProcessFarm.Coordinator.Workers;

/// <summary>What a <see cref="WorkerSupervisor"/> has done so far: the true counts for reports.</summary>
/// <param name="WorkersStarted">Worker processes spawned, the first ones and replacements.</param>
/// <param name="Deaths">Workers written off: died, killed after a timeout, failed to start, broke the protocol.</param>
/// <param name="Replacements">Replacements started for them.</param>
/// <param name="JobsRetried">Jobs sent to another worker because theirs died.</param>
/// <param name="JobsFailedAlone">Jobs given up because every worker that held them died.</param>
/// <param name="RepliesMatched">Replies that answered a job their worker held (each job's answer counts once).</param>
/// <param name="RepliesUnmatched">Replies for no job their worker held: late ones from a worker already written off.</param>
internal sealed record SupervisorStats(int WorkersStarted, int Deaths, int Replacements, int JobsRetried, int JobsFailedAlone, long RepliesMatched, long RepliesUnmatched)
{
    /// <summary>The counts from <paramref name="earlier"/> to this one.</summary>
    public SupervisorStats Since(SupervisorStats earlier) => new(
        WorkersStarted - earlier.WorkersStarted,
        Deaths - earlier.Deaths,
        Replacements - earlier.Replacements,
        JobsRetried - earlier.JobsRetried,
        JobsFailedAlone - earlier.JobsFailedAlone,
        RepliesMatched - earlier.RepliesMatched,
        RepliesUnmatched - earlier.RepliesUnmatched);

    /// <summary>The supervisor's running counts, changed under its lock.</summary>
    internal sealed class Builder
    {
        public int WorkersStarted { get; set; }

        public int Deaths { get; set; }

        public int Replacements { get; set; }

        public int JobsRetried { get; set; }

        public int JobsFailedAlone { get; set; }

        public long RepliesMatched { get; set; }

        public long RepliesUnmatched { get; set; }

        public SupervisorStats Snapshot() => new(WorkersStarted, Deaths, Replacements, JobsRetried, JobsFailedAlone, RepliesMatched, RepliesUnmatched);
    }
}
