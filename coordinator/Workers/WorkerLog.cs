using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// The workers' lifecycle as log events, one method per event, each a line tagged with the worker it is about
/// ("[worker 3] ..."). Debug events (command lines, ready, disconnected) show with --verbose; what a worker writes to
/// its stderr and every fault always show, because that is how a failing worker explains itself.
/// </summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 1, EventName = "WorkerCommandLine", Level = LogLevel.Debug,
        Message = "[worker {WorkerId}] execute: {FileName} {Arguments} (secret on stdin) in {Directory}")]
    public static partial void WorkerCommandLine(this ILogger logger, uint workerId, string fileName, string arguments, string directory);

    [LoggerMessage(EventId = 2, EventName = "WorkerOutput", Level = LogLevel.Information, Message = "[worker {WorkerId}] {Line}")]
    public static partial void WorkerOutput(this ILogger logger, uint workerId, string line);

    [LoggerMessage(EventId = 3, EventName = "WorkerReady", Level = LogLevel.Debug,
        Message = "[worker {WorkerId}] ready: pid {ProcessId}, kernel {Kernel}, {ReadyMs:0.0} ms after spawn")]
    public static partial void WorkerReady(this ILogger logger, uint workerId, int processId, string kernel, double readyMs);

    [LoggerMessage(EventId = 4, EventName = "ClientRefused", Level = LogLevel.Warning, Message = "[pool] refused a connection: {Reason}")]
    public static partial void ClientRefused(this ILogger logger, string reason);

    [LoggerMessage(EventId = 5, EventName = "WorkerDisconnected", Level = LogLevel.Debug, Message = "[worker {WorkerId}] disconnected: {Reason}")]
    public static partial void WorkerDisconnected(this ILogger logger, uint workerId, string reason);

    [LoggerMessage(EventId = 6, EventName = "WorkerKilled", Level = LogLevel.Warning, Message = "[worker {WorkerId}] killed: {Reason}")]
    public static partial void WorkerKilled(this ILogger logger, uint workerId, string reason);

    [LoggerMessage(EventId = 7, EventName = "WorkerFailed", Level = LogLevel.Warning, Message = "[worker {WorkerId}] {Verb}: {Reason}{JobsFate}")]
    private static partial void WorkerFailed(this ILogger logger, uint workerId, string verb, string reason, string jobsFate);

    [LoggerMessage(EventId = 8, EventName = "WorkerReplaced", Level = LogLevel.Warning, Message = "[worker {WorkerId}] replaced by worker {ReplacementId}")]
    public static partial void WorkerReplaced(this ILogger logger, uint workerId, uint replacementId);

    /// <summary>A worker written off: "failed" or "failed to start", why, and where the jobs it held went.</summary>
    public static void WorkerFailed(this ILogger logger, uint workerId, string verb, string reason, int jobsRequeued) =>
        logger.WorkerFailed(workerId, verb, reason, jobsRequeued switch
        {
            0 => string.Empty,
            1 => "; the job it held goes to other workers",
            _ => $"; the {jobsRequeued} jobs it held go to other workers",
        });
}
