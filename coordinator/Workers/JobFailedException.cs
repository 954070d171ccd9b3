using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// One job failed, and only that job: the worker answered it with an Error (bad parameters, an unreadable file),
/// or it killed every worker it met (<see cref="SupervisorOptions.MaxJobAttempts"/>). The workers are fine.
/// </summary>
internal sealed class JobFailedException : Exception
{
    public JobFailedException(string message, ErrorCode? code = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>The worker's error code, or null when the job failed by killing its workers.</summary>
    public ErrorCode? Code { get; }
}
