namespace ProcessFarm.Shared.Protocol;

/// <summary>A failure report.</summary>
/// <param name="JobId">The job or attach request that failed, or null when the failure is not tied to one.</param>
/// <param name="Code">What kind of failure.</param>
/// <param name="Message">A sentence for logs and users.</param>
public sealed record ErrorMessage(ulong? JobId, ErrorCode Code, string Message);
