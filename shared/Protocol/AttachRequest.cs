namespace ProcessFarm.Shared.Protocol;

/// <summary>A request to map a shared-memory region.</summary>
/// <param name="JobId">Correlates the reply.</param>
/// <param name="Path">A path the worker can open: the coordinator's /proc/&lt;pid&gt;/fd/&lt;n&gt; link.</param>
/// <param name="Size">The region's size in bytes, header included.</param>
public sealed record AttachRequest(ulong JobId, string Path, long Size);
